"""Every surface answers a transient database fault with 503 + Retry-After in its own shape.

PostgreSQL stopped: reads on the native API, the Action API and Linked Data get 503 (after
the bounded retry of idempotent reads), `/readyz` says the database is unreachable and
`/healthz` stays up; once the server is back the same requests answer 200 with no restart.
SQLite locked past the busy timeout: writes on the native and the Action API get 503, and
the CKAN client gets CKAN's envelope.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import Accounts, Backend
from tests.pg_cluster import Cluster

READS = (
    "/api/v1/search?q=保育",
    "/api/v1/datasets",
    "/api/3/action/package_search?q=保育",
    "/api/3/action/package_list",
    "/catalog.ttl",
    "/organization/011002.ttl",
)


def _says_retry(message: str) -> None:
    assert "try again" in message or "retry" in message, message


def _ckan_503(body: dict) -> None:  # type: ignore[type-arg]
    assert body["success"] is False and body["error"]["__type"] == "Service Unavailable"
    _says_retry(body["error"]["message"])
    assert body["help"].endswith("help_show?name=" + body["help"].rsplit("=", 1)[-1])


def _native_503(body: dict) -> None:  # type: ignore[type-arg]
    assert body["error"]["type"] == "Service Unavailable"
    _says_retry(body["error"]["message"])


def test_reads_get_503_while_postgresql_is_down_and_200_after(
    backend: Backend, pg_cluster: Cluster
) -> None:
    if backend.name != "postgresql":
        pytest.skip("stops the PostgreSQL server")
    settings = backend.settings().model_copy(update={"retry_after_seconds": 2})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert all(client.get(path).status_code == 200 for path in READS)
        pg_cluster.stop_server()
        try:
            for path in READS:
                start = time.monotonic()
                resp = client.get(path)
                assert resp.status_code == 503, (path, resp.text)
                assert resp.headers["retry-after"] == "2"
                assert "x-catalog-transient" not in resp.headers
                (_ckan_503 if path.startswith("/api/3/") else _native_503)(resp.json())
                assert time.monotonic() - start < 5  # the retries are bounded
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["database"]["reachable"] is False
            assert client.get("/healthz").status_code == 200
        finally:
            pg_cluster.start_server()
        for path in READS:
            assert client.get(path).status_code == 200, path
        assert client.get("/readyz").json()["database"]["reachable"] is True


def test_writes_get_503_while_sqlite_is_locked(backend: Backend, users: Accounts) -> None:
    if backend.name != "sqlite":
        pytest.skip("SQLite's file lock")
    editor = users.make("sapporo-editor", org="011002")
    settings = backend.settings().model_copy(
        update={"retry_after_seconds": 2, "db_busy_timeout": 0.3}
    )
    body = {"name": "hoikusho", "title": "保育所一覧", "owner_org": "011002"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        holder = sqlite3.connect(backend.url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            native = client.post("/api/v1/datasets", json=body, headers=editor.headers)
            ckan = client.post("/api/3/action/package_create", json=body, headers=editor.headers)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert native.status_code == 503 and int(native.headers["retry-after"]) > 0
        _native_503(native.json())
        assert ckan.status_code == 503 and int(ckan.headers["retry-after"]) > 0
        _ckan_503(ckan.json())
        # Nothing half-written, and the same write goes through once the lock is gone.
        assert client.get("/api/v1/datasets/hoikusho").status_code == 404
        assert client.post("/api/v1/datasets", json=body, headers=editor.headers).status_code == 201
