"""The change feed: public changes in commit order, tombstones, cursors, ETag/304."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts


def _feed(client: TestClient, since: str | None = None, limit: int = 100) -> dict:  # type: ignore[type-arg]
    params: dict[str, str | int] = {"limit": limit}
    if since is not None:
        params["since"] = since
    resp = client.get("/api/v1/changes", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def _create(client: TestClient, editor: Account, name: str, **fields: object) -> dict:  # type: ignore[type-arg]
    body = {"name": name, "title": f"{name} の一覧", "owner_org": "011002", **fields}
    resp = client.post("/api/v1/datasets", json=body, headers=editor.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_creates_updates_and_deletes_in_order_with_tombstones(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("hanako", org="011002")
    a = _create(client, editor, "aed-list", tags=["AED", "救急"])
    b = _create(client, editor, "hinanjo")
    client.patch(
        f"/api/v1/datasets/{a['id']}", json={"title": "AED設置場所"}, headers=editor.headers
    )
    client.delete(f"/api/v1/datasets/{b['id']}", headers=editor.headers)

    page = _feed(client)
    kinds = [(c["change"], c["activity"], c["name"]) for c in page["changes"]]
    assert kinds == [
        ("upsert", "new", "aed-list"),
        ("upsert", "new", "hinanjo"),
        ("upsert", "changed", "aed-list"),
        ("delete", "deleted", "hinanjo"),
    ]
    assert page["changes"][2]["dataset"]["title"] == "AED設置場所"
    assert page["changes"][0]["dataset"]["tags"] == ["AED", "救急"]
    tomb = page["changes"][3]
    assert tomb["id"] == b["id"] and tomb["dataset"] is None and tomb["deleted"]
    assert page["has_more"] is False
    seqs = [c["seq"] for c in page["changes"]]
    assert seqs == sorted(seqs)

    # Continuing from the cursor gives only what happened since.
    assert _feed(client, page["next_cursor"])["changes"] == []
    client.patch(f"/api/v1/datasets/{a['id']}", json={"notes": "更新"}, headers=editor.headers)
    later = _feed(client, page["next_cursor"])
    assert [c["name"] for c in later["changes"]] == ["aed-list"]


def test_private_datasets_never_appear_and_turning_private_is_a_removal(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("taro", org="011002")
    secret = _create(client, editor, "naibu-shiryo", private=True)
    client.patch(f"/api/v1/datasets/{secret['id']}", json={"notes": "x"}, headers=editor.headers)
    client.delete(f"/api/v1/datasets/{secret['id']}", headers=editor.headers)
    assert _feed(client)["changes"] == []

    public = _create(client, editor, "kokai")
    client.patch(f"/api/v1/datasets/{public['id']}", json={"private": True}, headers=editor.headers)
    client.patch(f"/api/v1/datasets/{public['id']}", json={"notes": "y"}, headers=editor.headers)
    client.patch(
        f"/api/v1/datasets/{public['id']}", json={"private": False}, headers=editor.headers
    )
    changes = _feed(client)["changes"]
    assert [(c["change"], c["name"]) for c in changes] == [
        ("upsert", "kokai"),
        ("delete", "kokai"),  # turned private: consumers must withdraw it
        ("upsert", "kokai"),  # public again
    ]
    assert all(c["id"] != secret["id"] for c in changes)


def test_purge_is_a_tombstone(client: TestClient, users: Accounts) -> None:
    admin = users.make("root", sysadmin=True)
    ds = _create(client, admin, "tmp-data")
    resp = client.delete(
        f"/api/v1/datasets/{ds['id']}", params={"purge": "true"}, headers=admin.headers
    )
    assert resp.status_code == 204
    changes = _feed(client)["changes"]
    assert [(c["change"], c["activity"]) for c in changes] == [
        ("upsert", "new"),
        ("delete", "purged"),
    ]


def test_paging_with_limit_and_cursor_survives_a_new_app(
    client: TestClient, users: Accounts, backend: object
) -> None:
    editor = users.make("jiro", org="011002")
    names = [f"data-{i:02d}" for i in range(7)]
    for name in names:
        _create(client, editor, name)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = _feed(client, cursor, limit=3)
        seen += [c["name"] for c in page["changes"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == names
    # A cursor is just a position in the history: a fresh process continues from it.
    from app.main import create_app

    with TestClient(create_app(backend.settings())) as other:  # type: ignore[attr-defined]
        _create(other, editor, "data-new")
        assert [c["name"] for c in _feed(other, cursor)["changes"]] == ["data-new"]


def test_bad_cursor_and_limit(client: TestClient) -> None:
    assert client.get("/api/v1/changes", params={"since": "abc"}).status_code == 422
    assert client.get("/api/v1/changes", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/changes", params={"limit": 5000}).status_code == 422


def test_etag_and_last_modified_give_304(client: TestClient, users: Accounts) -> None:
    editor = users.make("saburo", org="011002")
    _create(client, editor, "first")
    resp = client.get("/api/v1/changes")
    etag, last_modified = resp.headers["etag"], resp.headers["last-modified"]
    assert client.get("/api/v1/changes", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/api/v1/changes", headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )
    _create(client, editor, "second")
    fresh = client.get("/api/v1/changes", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert [c["name"] for c in fresh.json()["changes"]] == ["first", "second"]
    earlier = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert client.get("/api/v1/changes", headers={"If-Modified-Since": earlier}).status_code == 200
