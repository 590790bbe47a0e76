"""The stored reads of one dataset (app.api.hot_reads: CKAN package_show, the native record,
its Turtle) behave as every other read: an anonymous caller (read on a Core connection) and a
token holder (read in a session) get 503 + Retry-After in their surface's shape while
PostgreSQL is down and 200 once it is back; a private dataset is missing for the anonymous."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import Accounts, Backend
from tests.pg_cluster import Cluster

PATHS = (
    "/api/3/action/package_show?id=hoikusho",
    "/api/v1/datasets/hoikusho",
    "/dataset/hoikusho.ttl",
)
BODY = {"name": "hoikusho", "title": "保育所一覧", "owner_org": "011002"}


def test_stored_reads_get_503_while_postgresql_is_down_and_200_after(
    backend: Backend, pg_cluster: Cluster, users: Accounts
) -> None:
    if backend.name != "postgresql":
        pytest.skip("stops the PostgreSQL server")
    editor = users.make("sapporo-editor", org="011002")
    settings = backend.settings().model_copy(update={"retry_after_seconds": 2})
    callers = ({}, editor.headers)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.post("/api/v1/datasets", json=BODY, headers=editor.headers).status_code == 201
        before = {
            (p, i): client.get(p, headers=h).content for p in PATHS for i, h in enumerate(callers)
        }
        assert all(client.get(p, headers=h).status_code == 200 for p in PATHS for h in callers)
        pg_cluster.stop_server()
        try:
            for path in PATHS:
                for headers in callers:
                    resp = client.get(path, headers=headers)
                    assert resp.status_code == 503, (path, resp.text)
                    assert resp.headers["retry-after"] == "2"
                    assert "x-catalog-transient" not in resp.headers
                    body = resp.json()
                    if path.startswith("/api/3/"):
                        assert body["success"] is False
                        assert body["error"]["__type"] == "Service Unavailable"
                    else:
                        assert body["error"]["type"] == "Service Unavailable"
        finally:
            pg_cluster.start_server()
        for path in PATHS:
            for i, headers in enumerate(callers):
                resp = client.get(path, headers=headers)
                assert resp.status_code == 200, path
                assert resp.content == before[(path, i)]


def test_private_stored_dataset_is_missing_for_the_anonymous_only(
    backend: Backend, users: Accounts
) -> None:
    editor = users.make("sapporo-editor", org="011002")
    with TestClient(create_app(backend.settings())) as client:
        created = client.post(
            "/api/v1/datasets", json={**BODY, "private": True}, headers=editor.headers
        )
        assert created.status_code == 201
        for path in PATHS:
            assert client.get(path).status_code == 404, path
            assert client.head(path).status_code == 404, path
            assert client.get(path, headers=editor.headers).status_code == 200, path
            head = client.head(path, headers=editor.headers)
            assert head.status_code == 200 and head.content == b"", path
        shown = client.get(PATHS[0], headers=editor.headers).json()["result"]
        assert shown["name"] == "hoikusho" and shown["private"] is True
