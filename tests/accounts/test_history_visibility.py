"""Issue 10 item 1: what a dataset was while private never reaches outsiders, in any shape.

Native activity stream, CKAN package_activity_list (activities and their diffs and
snapshots) and the change feed, for anonymous users and editors of another organisation.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Accounts

SAPPORO = "011002"
OTHER = "131016"
SECRETS = ("極秘タイトル", "極秘の説明", "secret-name")


HIDDEN = {"private": {"private": True}, "draft": {"state": "draft"}}
PUBLISH = {"private": {"private": False}, "draft": {"state": "active"}}


def _history(
    client: TestClient, editor_headers: dict[str, str], hidden: str = "private"
) -> dict[str, Any]:
    """Private (or draft) with secret title/notes, edited so, then published, then edited."""
    body = {
        "name": "secret-name",
        "title": "極秘タイトル",
        "notes": "極秘の説明",
        "owner_org": SAPPORO,
        **HIDDEN[hidden],
    }
    ds = client.post("/api/v1/datasets", json=body, headers=editor_headers).json()
    url = f"/api/v1/datasets/{ds['id']}"
    patch = client.patch(url, json={"notes": "極秘の説明 改訂"}, headers=editor_headers)
    assert patch.status_code == 200, patch.text
    publish = {
        **PUBLISH[hidden],
        "title": "公開タイトル",
        "notes": "公開の説明",
        "name": "aed-open",
    }
    assert client.patch(url, json=publish, headers=editor_headers).status_code == 200
    again = client.patch(url, json={"title": "公開タイトル2"}, headers=editor_headers)
    assert again.status_code == 200
    return dict(ds)


@pytest.mark.parametrize("hidden", ["private", "draft"])
def test_outsiders_see_only_public_period_history(
    client: TestClient, users: Accounts, hidden: str
) -> None:
    editor = users.make("clerk", org=SAPPORO)
    outsider = users.make("stranger", org=OTHER)
    ds = _history(client, editor.headers, hidden)

    for headers in ({}, outsider.headers):
        res = client.get(f"/api/v1/datasets/{ds['id']}/activity", headers=headers)
        assert res.status_code == 200, res.text
        assert not any(s in res.text for s in SECRETS), res.text
        stream = res.json()
        assert [a["activity_type"] for a in stream] == ["changed", "changed"]
        # the latest diff is public to public (old value from the public period)
        assert stream[0]["changes"]["title"] == {"old": "公開タイトル", "new": "公開タイトル2"}
        # the publishing change's old values are the private period's: withheld
        assert stream[1]["changes"] == {}

        ckan = client.post(
            "/api/3/action/package_activity_list", json={"id": ds["id"]}, headers=headers
        )
        assert ckan.status_code == 200, ckan.text
        assert not any(s in ckan.text for s in SECRETS), ckan.text
        assert len(ckan.json()["result"]) == 2

    # Members still see everything, with the private-period diffs.
    own = client.get(f"/api/v1/datasets/{ds['id']}/activity", headers=editor.headers).json()
    assert [a["activity_type"] for a in own] == ["changed", "changed", "changed", "new"]
    assert own[1]["changes"]["title"]["old"] == "極秘タイトル"


def test_outsider_pages_are_full(client: TestClient, users: Accounts) -> None:
    """Hidden activities are filtered before paging, so a page of 1 is not empty."""
    editor = users.make("clerk", org=SAPPORO)
    ds = _history(client, editor.headers)
    res = client.get(f"/api/v1/datasets/{ds['id']}/activity?limit=1&offset=1").json()
    assert len(res) == 1 and res[0]["changes"] == {}


def test_feed_tombstone_keeps_the_public_name(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds = _history(client, editor.headers)
    url = f"/api/v1/datasets/{ds['id']}"
    hide = {"private": True, "name": "secret-name", "title": "極秘タイトル"}
    assert client.patch(url, json=hide, headers=editor.headers).status_code == 200
    feed = client.get("/api/v1/changes")
    assert feed.status_code == 200
    assert not any(s in feed.text for s in SECRETS), feed.text
    entries = feed.json()["changes"]
    assert [e["change"] for e in entries] == ["upsert", "upsert", "delete"]
    assert entries[-1]["name"] == "aed-open"
