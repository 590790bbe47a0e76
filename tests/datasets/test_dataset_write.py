"""Creating and editing datasets through the native API: names, validation, history."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Accounts

SAPPORO = "011002"


def _aed(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "AED設置場所一覧",
        "notes": "札幌市内の<b>AED</b>設置場所です。<script>alert(1)</script>",
        "owner_org": SAPPORO,
        "license_id": "cc-by-4.0",
        "tags": ["AED", "救急", "ＡＥＤ"],
        "categories": ["social-security-health"],
        "measures": ["02-22"],
        "standard_kind": "aed",
        "spatial_code": "011002",
        "frequency": "毎年",
        "temporal_start": "2024-04-01",
        "temporal_end": "2025-03-31",
        "resources": [{"url": "https://example.jp/aed.csv", "name": "AED一覧", "format": "csv"}],
    }
    body.update(extra)
    return body


def test_create_generates_egov_style_name_never_munged(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    first = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers)
    second = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers)
    assert first.status_code == second.status_code == 201, first.text
    a, b = first.json(), second.json()
    assert re.fullmatch(r"011002_\d{8}_0001", a["name"])
    assert b["name"] == a["name"][:-4] + "0002"
    assert a["title"] == "AED設置場所一覧"
    assert first.headers["Location"] == f"/api/v1/datasets/{a['id']}"


def test_generated_names_count_only_serials_of_their_own_prefix(
    client: TestClient, users: Accounts
) -> None:
    # Found by a fresh helper: an editor's own 100-character name of 84 nines made the next
    # generated name 101 characters (a 500 on PostgreSQL), and `_` in the prefix was LIKE's
    # wildcard, so 011002-YYYYMMDD-0500 counted as serial 500.
    editor = users.make("clerk", org=SAPPORO)
    first = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()
    prefix = first["name"][:-4]
    own = [prefix + "9" * 84, prefix.replace("_", "-") + "0500"]
    for name in own:
        res = client.post("/api/v1/datasets", json=_aed(name=name), headers=editor.headers)
        assert res.status_code == 201, res.text
    after = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers)
    assert after.status_code == 201, after.text
    assert after.json()["name"] == prefix + "0002"
    # The highest serial that fits: the next ones take the lowest free numbers instead of
    # colliding on a 9-digit one for the rest of the day (found by a fresh helper).
    top = client.post(
        "/api/v1/datasets", json=_aed(name=prefix + "99999999"), headers=editor.headers
    )
    assert top.status_code == 201, top.text
    names = [
        client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()["name"]
        for _ in range(2)
    ]
    assert names == [prefix + "0003", prefix + "0004"]


def test_fields_are_cleaned_and_normalised(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()
    assert ds["notes"] == "札幌市内のAED設置場所です。"  # tags stripped, script content dropped
    assert ds["tags"] == ["AED", "救急"]  # ＡＥＤ is AED after NFKC, so not repeated
    assert ds["frequency"] == "ANNUAL"
    assert ds["organization"]["name"] == SAPPORO and ds["license"]["id"] == "cc-by-4.0"
    assert [c["name"] for c in ds["categories"]] == ["social-security-health"]
    assert ds["measures"] == [
        {"name": "02-22", "title": "AEDの設置位置情報のオープンデータ化の促進"}
    ]
    assert ds["resources"][0]["format"] == "CSV"
    assert ds["metadata_created"] == ds["metadata_modified"]
    fetched = client.get(f"/api/v1/datasets/{ds['name']}").json()
    assert fetched["id"] == ds["id"]


def test_every_bad_field_is_reported_and_nothing_is_saved(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=SAPPORO)
    bad = _aed(
        name="AED一覧",
        url="javascript:alert(1)",
        author_email="not-an-email",
        license_id="cc-by-9.9",
        measures=["10-06"],
        standard_kind="unicorn",
        spatial_code="011001",
        temporal_end="2020-01-01",
        categories=["nope"],
        extras={"title": "shadow"},
        resources=[{"url": "ftp:/x"}],
    )
    resp = client.post("/api/v1/datasets", json=bad, headers=editor.headers)
    assert resp.status_code == 422
    fields = resp.json()["error"]["fields"]
    for field in (
        "name",
        "url",
        "author_email",
        "license_id",
        "measures",
        "standard_kind",
        "spatial_code",
        "temporal_end",
        "categories",
        "extras",
        "resources__0__url",
    ):
        assert field in fields, (field, fields)
    assert "check digit" in fields["spatial_code"][0]
    assert client.get("/api/v1/datasets").json()["total"] == 0


def test_schema_errors_are_422_with_field_paths(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    resp = client.post(
        "/api/v1/datasets",
        json={"title": "x", "owner_org": SAPPORO, "private": "maybe"},
        headers=editor.headers,
    )
    assert resp.status_code == 422
    assert "private" in resp.json()["error"]["fields"]
    unknown = client.post(
        "/api/v1/datasets", json={"title": "x", "colour": "red"}, headers=editor.headers
    )
    assert unknown.status_code == 422 and "colour" in unknown.json()["error"]["fields"]
    missing_org = client.post("/api/v1/datasets", json={"title": "x"}, headers=editor.headers)
    assert missing_org.status_code == 422 and "owner_org" in missing_org.json()["error"]["fields"]


def test_name_conflict_and_rename(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    client.post("/api/v1/datasets", json=_aed(name="sapporo-aed"), headers=editor.headers)
    dup = client.post("/api/v1/datasets", json=_aed(name="sapporo-aed"), headers=editor.headers)
    assert dup.status_code == 422 and "name" in dup.json()["error"]["fields"]
    renamed = client.patch(
        "/api/v1/datasets/sapporo-aed", json={"name": "sapporo-aed-2024"}, headers=editor.headers
    )
    assert renamed.json()["name"] == "sapporo-aed-2024"
    assert client.get("/api/v1/datasets/sapporo-aed").status_code == 404


def test_replace_resets_fields_but_keeps_resources_when_omitted(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()
    replaced = client.put(
        f"/api/v1/datasets/{ds['id']}", json={"title": "AED一覧（改訂）"}, headers=editor.headers
    ).json()
    assert replaced["title"] == "AED一覧（改訂）"
    assert replaced["tags"] == [] and replaced["measures"] == [] and replaced["license"] is None
    assert [r["id"] for r in replaced["resources"]] == [r["id"] for r in ds["resources"]]
    assert replaced["organization"]["name"] == SAPPORO
    assert replaced["metadata_modified"] > ds["metadata_modified"]
    assert replaced["revision"] == ds["revision"] + 1


def test_patch_changes_only_what_is_sent(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()
    patched = client.patch(
        f"/api/v1/datasets/{ds['id']}", json={"version": "2.0"}, headers=editor.headers
    ).json()
    assert patched["version"] == "2.0"
    assert patched["tags"] == ds["tags"] and patched["notes"] == ds["notes"]


def test_if_match_prevents_lost_updates_and_etag_gives_304(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=SAPPORO)
    created = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers)
    etag = created.headers["ETag"]
    url = f"/api/v1/datasets/{created.json()['id']}"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    first = client.patch(url, json={"version": "a"}, headers={**editor.headers, "If-Match": etag})
    assert first.status_code == 200
    stale = client.patch(url, json={"version": "b"}, headers={**editor.headers, "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url).json()["version"] == "a"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_history_records_who_when_what(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()
    client.patch(
        f"/api/v1/datasets/{ds['id']}", json={"title": "新しい題名"}, headers=editor.headers
    )
    client.delete(f"/api/v1/datasets/{ds['id']}", headers=editor.headers)
    activity = client.get(f"/api/v1/datasets/{ds['id']}/activity", headers=editor.headers).json()
    assert [a["activity_type"] for a in activity] == ["deleted", "changed", "new"]
    changed = activity[1]
    assert changed["changes"]["title"] == {"old": "AED設置場所一覧", "new": "新しい題名"}
    assert all(a["user_id"] == activity[0]["user_id"] and a["user_id"] for a in activity)


def test_soft_delete_hides_and_purge_removes(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    admin = users.make("root", sysadmin=True)
    ds = client.post("/api/v1/datasets", json=_aed(), headers=editor.headers).json()
    assert client.delete(f"/api/v1/datasets/{ds['id']}", headers=editor.headers).status_code == 204
    assert client.get(f"/api/v1/datasets/{ds['id']}").status_code == 404
    assert client.get("/api/v1/datasets").json()["total"] == 0
    # Editors still see the withdrawn record, so it can be restored or audited.
    assert (
        client.get(f"/api/v1/datasets/{ds['id']}", headers=editor.headers).json()["state"]
        == "deleted"
    )
    purge = client.delete(f"/api/v1/datasets/{ds['id']}?purge=true", headers=editor.headers)
    assert purge.status_code == 403
    assert (
        client.delete(f"/api/v1/datasets/{ds['id']}?purge=true", headers=admin.headers).status_code
        == 204
    )
    assert client.get(f"/api/v1/datasets/{ds['id']}", headers=admin.headers).status_code == 404


def test_list_paging_by_page_and_cursor(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ids = {
        client.post(
            "/api/v1/datasets", json=_aed(title=f"データ{i}"), headers=editor.headers
        ).json()["id"]
        for i in range(7)
    }
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/datasets", params=params).json()
        assert body["total"] == 7
        seen += [d["id"] for d in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == ids
    page3 = client.get("/api/v1/datasets", params={"limit": 3, "page": 3}).json()
    assert [d["id"] for d in page3["items"]] == seen[6:]
    assert client.get("/api/v1/datasets", params={"cursor": "garbage!"}).status_code == 422
    assert client.get("/api/v1/datasets", params={"limit": 5000}).status_code == 422
