"""Read actions: the shapes CKAN clients read, on real data."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.api_ckan.conftest import make_dataset
from tests.conftest import Accounts, Backend

CKAN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")

AED = {
    "name": "sapporo-aed",
    "title": "札幌市AED設置箇所一覧",
    "notes": "札幌市内のAED設置箇所",
    "owner_org": "011002",
    "license_id": "cc-by-4.0",
    "tags": [{"name": "AED"}, {"name": "防災"}],
    "groups": [{"name": "social-security-health"}, {"name": "02-22"}],
    "extras": [
        {"key": "publisher_name", "value": "札幌市"},
        {"key": "frequency", "value": "ANNUAL"},
        {"key": "custom_note", "value": "メモ"},
    ],
    "spatial": "北海道札幌市",
    "standard_kind": "aed",
    "temporal_start": "2024-04-01",
    "resources": [
        {"name": "AED一覧", "url": "https://www.city.sapporo.jp/aed.csv", "format": "csv"}
    ],
}


def action(
    client: TestClient, name: str, headers: dict[str, str] | None = None, **params: Any
) -> Any:
    res = client.post(f"/api/3/action/{name}", json=params, headers=headers or {})
    assert res.status_code == 200, res.text
    return res.json()["result"]


def test_package_show_carries_every_field_ckan_clients_read(
    client: TestClient, backend: Backend
) -> None:
    ds = make_dataset(backend, **AED)
    for ref in (ds.id, ds.name):
        pkg = action(client, "package_show", id=ref)
        assert pkg["id"] == ds.id and pkg["name"] == "sapporo-aed"
    assert pkg["title"] == "札幌市AED設置箇所一覧" and pkg["type"] == "dataset"
    assert pkg["state"] == "active" and pkg["private"] is False
    assert pkg["license_id"] == "cc-by-4.0" and pkg["isopen"] is True
    assert "CC BY 4.0" in pkg["license_title"]
    assert pkg["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert pkg["owner_org"] == pkg["organization"]["id"]
    assert pkg["organization"]["name"] == "011002"
    assert pkg["organization"]["title"] == "北海道札幌市"
    assert pkg["organization"]["is_organization"] is True
    assert [(g["name"], g["type"]) for g in pkg["groups"]] == [
        ("social-security-health", "group"),
        ("02-22", "measure"),
    ]
    assert {t["name"] for t in pkg["tags"]} == {"AED", "防災"} and pkg["num_tags"] == 2
    assert all(t["display_name"] == t["name"] for t in pkg["tags"])
    assert CKAN_TIME.match(pkg["metadata_created"]) and CKAN_TIME.match(pkg["metadata_modified"])
    # Our fields: top-level keys and extras, like the e-Gov portal.
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["publisher_name"] == pkg["publisher_name"] == "札幌市"
    assert extras["frequency"] == pkg["frequency"] == "ANNUAL"
    assert extras["spatial"] == pkg["spatial"] == "北海道札幌市"
    assert extras["standard_kind"] == pkg["standard_kind"] == "aed"
    assert extras["temporal_start"] == pkg["temporal_start"] == "2024-04-01"
    assert extras["measures"] == "02-22" and pkg["measures"] == ["02-22"]
    assert extras["custom_note"] == "メモ"
    assert [e["key"] for e in pkg["extras"]] == sorted(extras)
    (res,) = pkg["resources"]
    assert pkg["num_resources"] == 1
    assert res["package_id"] == ds.id and res["position"] == 0 and res["state"] == "active"
    assert res["format"] == "CSV" and res["url"] == "https://www.city.sapporo.jp/aed.csv"
    assert CKAN_TIME.match(res["created"])


def test_private_dataset_is_not_found_for_outsiders(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    make_dataset(backend, name="secret", private=True)
    member = users.make("member", org="011002", role="member")
    res = client.get("/api/3/action/package_show", params={"id": "secret"})
    assert res.status_code == 404
    assert action(client, "package_show", member.headers, id="secret")["private"] is True


def test_package_list_and_recent_with_resources(client: TestClient, backend: Backend) -> None:
    for name in ("b-data", "a-data", "c-data"):
        make_dataset(backend, name=name, resources=[{"url": f"https://example.jp/{name}.csv"}])
    make_dataset(backend, name="hidden", private=True)
    assert action(client, "package_list") == ["a-data", "b-data", "c-data"]
    assert action(client, "package_list", limit=2, offset=1) == ["b-data", "c-data"]
    # The ckanapi dump passes these; they are accepted (and private stays out, as in CKAN).
    assert len(action(client, "package_list", include_private=True, include_drafts=False)) == 3
    recent = action(client, "current_package_list_with_resources", limit=2)
    assert [p["name"] for p in recent] == ["c-data", "a-data"]
    assert recent[0]["resources"][0]["url"] == "https://example.jp/c-data.csv"
    older = action(client, "current_package_list_with_resources", limit=2, offset=2)
    assert [p["name"] for p in older] == ["b-data"]


def test_organizations(client: TestClient, backend: Backend) -> None:
    make_dataset(backend, name="sapporo-1")
    make_dataset(backend, name="sapporo-2")
    make_dataset(backend, name="chiyoda-1", owner_org="131016")
    names = action(client, "organization_list")
    assert len(names) == 1806 and "011002" in names and "soumu" in names
    assert names == sorted(names)
    top = action(client, "organization_list", all_fields=True, sort="package_count desc", limit=2)
    assert [(o["name"], o["package_count"]) for o in top] == [("011002", 2), ("131016", 1)]
    assert len(action(client, "organization_list", all_fields=True)) == 25
    org = action(client, "organization_show", id="011002", include_datasets=True)
    assert org["title"] == "北海道札幌市" and org["package_count"] == 2
    assert {p["name"] for p in org["packages"]} == {"sapporo-1", "sapporo-2"}
    assert {"key": "code", "value": "011002", "state": "active"} in org["extras"]
    assert "packages" not in action(client, "organization_show", id="soumu")
    res = client.get("/api/3/action/organization_show", params={"id": "no-such-org"})
    assert res.status_code == 404


def test_groups_are_categories_and_measures(client: TestClient, backend: Backend) -> None:
    make_dataset(
        backend, name="aed", groups=[{"name": "social-security-health"}, {"name": "02-22"}]
    )
    groups = action(client, "group_list")
    assert len(groups) == 17 and groups[0] == "land-weather"
    measures = action(client, "group_list", type="measure")
    assert len(measures) == 180 and "02-22" in measures and "10-06" not in measures
    full = action(client, "group_list", type="measure", all_fields=True, limit=200)
    aed = next(g for g in full if g["name"] == "02-22")
    assert aed["type"] == "measure" and aed["package_count"] == 1
    shown = action(client, "group_show", id="02-22", include_datasets=True)
    assert shown["type"] == "measure" and [p["name"] for p in shown["packages"]] == ["aed"]
    cat = action(client, "group_show", id="social-security-health")
    assert cat["type"] == "group" and cat["title"] == "社会保障・衛生" and cat["package_count"] == 1
    assert client.get("/api/3/action/group_show", params={"id": "nope"}).status_code == 404


def test_tags_licences_status(client: TestClient, backend: Backend) -> None:
    make_dataset(backend, name="t1", tags=[{"name": "保育"}, {"name": "防災"}])
    make_dataset(backend, name="t2", private=True, tags=[{"name": "内部"}])
    assert action(client, "tag_list") == ["保育", "防災"]
    assert action(client, "tag_list", query="保", vocabulary_id="ignored") == ["保育"]
    licences = {lic["id"]: lic for lic in action(client, "license_list")}
    pdl = licences["pdl-1.0"]
    assert pdl["status"] == "active" and pdl["is_okd_compliant"] is True
    assert pdl["url"].startswith("https://www.digital.go.jp/")
    assert {"id", "title", "url", "od_conformance", "is_generic"} <= set(pdl)
    status = action(client, "status_show")
    assert status["api_version"] == 3 and status["site_title"]


def test_resource_show_and_activity(client: TestClient, backend: Backend, users: Accounts) -> None:
    ds = make_dataset(backend, name="with-res", resources=[{"url": "https://example.jp/a.csv"}])
    res = action(client, "resource_show", id=ds.resources[0].id)
    assert res["package_id"] == ds.id and res["url"] == "https://example.jp/a.csv"
    admin = users.make("admin", sysadmin=True)
    action(client, "package_patch", admin.headers, id=ds.id, title="新しい題名")
    stream = action(client, "package_activity_list", id="with-res")
    assert [a["activity_type"] for a in stream] == ["changed package", "new package"]
    assert stream[0]["object_id"] == ds.id
    assert stream[0]["data"]["package"]["title"] == "新しい題名"
    assert CKAN_TIME.match(stream[0]["timestamp"])
    res = client.get("/api/3/action/resource_show", params={"id": "nope"})
    assert res.status_code == 404
