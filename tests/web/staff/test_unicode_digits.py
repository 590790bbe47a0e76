"""Digits that are not ASCII ('²', '３') in numeric form fields and headers: str.isdigit()
accepts them but int() does not, which used to answer 500. Each is now a 4xx with a message
(or, for a hidden revision field, treated as absent)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from tests.conftest import Accounts, Backend

SAPPORO = "011002"
HTML = {"Accept": "text/html"}


def test_non_ascii_digits_are_refused_not_crashed_on(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    with session_scope(backend.sessions) as session:
        out = datasets.create_dataset(
            session, SYSTEM, DatasetCreate(name="digits", title="公園", owner_org=SAPPORO)
        )
    admin = users.make("clerk", org=SAPPORO, role="admin")
    headers = {**HTML, **admin.headers}

    token = client.post(
        "/user/clerk/api-tokens",
        data={"token_name": "script", "expires_in_days": "²"},
        headers=headers,
    )
    assert token.status_code == 400 and "有効期間を選んでください" in token.text

    # A stale-check revision that is not a number is ignored: the edit is saved.
    saved = client.post(
        "/dataset/edit/digits",
        data={"title": "公園一覧", "owner_org": SAPPORO, "revision": "²"},
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert client.get("/api/v1/datasets/digits").json()["title"] == "公園一覧"

    stale = client.patch(
        "/api/v1/datasets/digits",
        json={"title": "x"},
        headers={**admin.headers, "If-Match": f'"{out.id}.²"'.encode("latin-1")},
    )
    assert stale.status_code == 412

    body = {
        "name": "digits-portal",
        "type": "ckan",
        "url": "https://ckan.example.jp/",
        "organization": SAPPORO,
        "schedule": "0 ³ * * *",
    }
    source = client.post("/api/v1/harvest/sources", json=body, headers=admin.headers)
    assert source.status_code == 422
    assert "is not a number" in source.json()["error"]["fields"]["schedule"][0]
    form = client.post(
        "/harvest/new",
        data={
            "name": "digits-portal",
            "type": "ckan",
            "url": "https://ckan.example.jp/",
            "organization": SAPPORO,
            "schedule_kind": "monthly",
            "schedule_time": "03:00",
            "schedule_day": "３",
        },
        headers=headers,
    )
    assert form.status_code == 422 and "日は 1 から 31 の数字で入力してください" in form.text
