"""Fixtures for the CKAN Action API: a real server on 127.0.0.1, and dataset factories."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.ckan_input import from_ckan
from app.datasets.schemas import DatasetOut
from app.db import session_scope
from app.main import create_app
from tests.conftest import Backend


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(backend: Backend) -> Iterator[str]:
    """The real app served by uvicorn in a background thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(backend.settings()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def make_dataset(backend: Backend, **pkg: Any) -> DatasetOut:
    """A dataset from a CKAN package dict, created through the dataset service."""
    pkg.setdefault("owner_org", "011002")
    data, wanted_id = from_ckan(pkg)
    with session_scope(backend.sessions) as session:
        return dataset_service.create_dataset(session, SYSTEM, data, dataset_id=wanted_id)


def make_many(backend: Backend, count: int, prefix: str = "ds", **pkg: Any) -> list[DatasetOut]:
    """`count` datasets in one transaction (fast enough for paging tests)."""
    out: list[DatasetOut] = []
    with session_scope(backend.sessions) as session:
        for i in range(count):
            fields = {"owner_org": "011002", "name": f"{prefix}-{i:04d}", "title": f"データ {i}"}
            fields.update(pkg)
            data, wanted_id = from_ckan(fields)
            out.append(dataset_service.create_dataset(session, SYSTEM, data, dataset_id=wanted_id))
    return out
