"""/api/v1/search serves the page's stored native records: the same items a fresh rendering
gives (and GET /api/v1/datasets/{ref} gives), for whoever may see them, on both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.db import session_scope
from app.models import DatasetRendering
from tests.api_ckan.conftest import make_dataset
from tests.conftest import Accounts, Backend


def _search(client: TestClient, headers: dict[str, str] | None = None) -> Any:
    reply = client.get(
        "/api/v1/search",
        params={"q": "保育", "facet": ["organization", "tags"], "sort": "metadata_modified desc"},
        headers=headers or {},
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    return reply.json()


def test_items_are_the_stored_records_and_equal_fresh_ones(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    public = make_dataset(
        backend,
        name="sapporo-nursery",
        title="札幌市保育所一覧",
        tags=[{"name": "保育"}],
        resources=[{"url": "https://example.jp/n.csv", "format": "CSV"}],
    )
    hidden = make_dataset(backend, name="sapporo-private", title="内部保育データ", private=True)
    member = users.make("v1-member", org="011002", role="member")

    anonymous = _search(client)
    assert [d["name"] for d in anonymous["items"]] == ["sapporo-nursery"]
    assert anonymous["count"] == 1
    assert anonymous["facets"]["organization"] == [
        {"value": "011002", "count": 1, "title": "北海道札幌市"}
    ]
    assert anonymous["next_cursor"] is None
    shown = client.get(f"/api/v1/datasets/{public.id}").json()
    assert anonymous["items"][0] == shown

    seen = _search(client, member.headers)
    assert {d["name"] for d in seen["items"]} == {"sapporo-nursery", "sapporo-private"}
    assert (
        client.get(f"/api/v1/datasets/{hidden.id}", headers=member.headers).json() in seen["items"]
    )

    # Without stored rows the items are rendered afresh: the same page.
    with session_scope(backend.sessions) as session:
        session.execute(delete(DatasetRendering))
    assert _search(client) == anonymous
    assert _search(client, member.headers) == seen
