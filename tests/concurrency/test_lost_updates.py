"""Concurrent writers of one dataset lose nothing (issue 10, item 10).

Two editors patch different fields of the same dataset at the same time. package_patch reads
the dataset under the row lock, so each patch starts from the other's latest commit; the
dataset's activity stream then shows that no patch ever rewrote the other editor's field.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from sqlalchemy import select

from app.models import User
from tests.api_ckan.conftest import make_dataset
from tests.concurrency.conftest import serve
from tests.conftest import Accounts, Backend

ROUNDS = 20


def _patcher(url: str, token: str, field: str, errors: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=30, headers={"Authorization": token}) as http:
        for i in range(ROUNDS):
            res = http.post(
                "/api/3/action/package_patch", json={"id": "shared", field: f"{field}-{i}"}
            )
            if res.status_code != 200:
                errors.append(f"{field} round {i}: {res.status_code} {res.text[:200]}")


def _patched(activity: list[dict[str, Any]], user_id: str) -> set[str]:
    fields: set[str] = set()
    for entry in activity:
        if entry["user_id"] == user_id and entry["activity_type"] == "changed":
            fields |= set(entry["changes"])
    return fields


def test_two_editors_patching_different_fields_lose_nothing(
    backend: Backend, users: Accounts
) -> None:
    make_dataset(backend, name="shared", title="共有", notes="初め")
    alice = users.make("alice", org="011002")
    bob = users.make("bob", org="011002")
    errors: list[str] = []
    with serve(backend) as url:
        threads = [
            threading.Thread(target=_patcher, args=(url, alice.token, "title", errors)),
            threading.Thread(target=_patcher, args=(url, bob.token, "notes", errors)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with httpx.Client(base_url=url, timeout=30, headers=alice.headers) as http:
            final = http.get("/api/v1/datasets/shared").json()
            activity = http.get("/api/v1/datasets/shared/activity", params={"limit": 100}).json()
    with backend.sessions() as session:
        ids = dict(session.execute(select(User.name, User.id)).all())
    assert errors == []
    assert final["title"] == f"title-{ROUNDS - 1}"
    assert final["notes"] == f"notes-{ROUNDS - 1}"
    # A lost update shows as a patch that rewrote the other editor's field with a stale value.
    assert "notes" not in _patched(activity, ids["alice"])
    assert "title" not in _patched(activity, ids["bob"])
    assert len([a for a in activity if a["activity_type"] == "changed"]) == 2 * ROUNDS


def test_native_patch_honours_if_match(backend: Backend, users: Accounts) -> None:
    make_dataset(backend, name="tagged", title="版")
    editor = users.make("editor", org="011002")
    with serve(backend) as url, httpx.Client(base_url=url, headers=editor.headers) as http:
        first = http.get("/api/v1/datasets/tagged")
        etag = first.headers["ETag"]
        ok = http.patch("/api/v1/datasets/tagged", json={"title": "一"}, headers={"If-Match": etag})
        stale = http.patch(
            "/api/v1/datasets/tagged", json={"notes": "二"}, headers={"If-Match": etag}
        )
        now = http.get("/api/v1/datasets/tagged").json()
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    assert stale.status_code == 412, stale.text
    assert "reload" in stale.json()["error"]["message"]
    assert now["title"] == "一" and now["notes"] == ""
