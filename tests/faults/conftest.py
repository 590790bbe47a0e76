"""Fault tests use the harvest tests' local HTTP servers."""

from tests.harvest.conftest import http_server

__all__ = ["http_server"]
