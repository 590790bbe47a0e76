"""Harvest test fixtures: local HTTP servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harvest.servers import FixtureServer


@pytest.fixture
def http_server() -> Iterator[FixtureServer]:
    server = FixtureServer().start()
    try:
        yield server
    finally:
        server.stop()
