"""Measures, organisations, categories and licences through the native API."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_all_180_measures_with_plan_fields(client: TestClient) -> None:
    body = client.get("/api/v1/measures").json()
    assert body["total"] == 180
    by_id = {m["id"]: m for m in body["items"]}
    assert "10-06" not in by_id and "10-17" in by_id
    m = by_id["02-21"]
    assert m["section"] == 2 and m["article"] == "第11条第1項・第2項"
    assert [(x["name"], x["lead"]) for x in m["ministries"]] == [
        ("内閣府", False),
        ("文部科学省", False),
        ("経済産業省", True),
        ("国土交通省", False),
        ("環境省", False),
    ]
    assert m["ministries"][2]["organization"] == "meti"
    assert by_id["12-02"]["article"] is None and by_id["12-02"]["kpi_progress"] is None
    assert [f["name"] for f in by_id["09-15"]["priority_fields"]] == ["移動"]


def test_measure_filters(client: TestClient) -> None:
    section2 = client.get("/api/v1/measures", params={"section": 2}).json()
    assert section2["total"] == 37
    assert {m["id"][:2] for m in section2["items"]} == {"02"}
    meti = client.get("/api/v1/measures", params={"ministry": "meti"}).json()
    same = client.get("/api/v1/measures", params={"ministry": "経済産業省"}).json()
    assert meti["total"] == same["total"] > 0
    assert "02-21" in {m["id"] for m in meti["items"]}
    assert client.get("/api/v1/measures", params={"section": 13}).status_code == 422


def test_measure_detail_and_404(client: TestClient) -> None:
    detail = client.get("/api/v1/measures/05-11").json()
    assert [x["name"] for x in detail["ministries"] if x["lead"]] == [
        "内閣府",
        "内閣官房",
        "厚生労働省",
    ]
    assert detail["datasets"] == []
    missing = client.get("/api/v1/measures/10-06")
    assert missing.status_code == 404
    assert "10-06" in missing.json()["error"]["message"]


def test_local_governments_add_up_to_1788(client: TestClient) -> None:
    muni = client.get("/api/v1/organizations", params={"kind": "municipality", "limit": 1}).json()
    pref = client.get("/api/v1/organizations", params={"kind": "prefecture", "limit": 1}).json()
    assert (muni["total"], pref["total"]) == (1741, 47)
    assert muni["total"] + pref["total"] == 1788
    ministries = client.get("/api/v1/organizations", params={"kind": "ministry"}).json()
    assert {o["name"] for o in ministries["items"]} >= {"soumu", "meti", "mlit", "cas", "ppc"}
    assert client.get("/api/v1/organizations", params={"kind": "town"}).status_code == 422


def test_organization_detail_and_filters(client: TestClient) -> None:
    sapporo = client.get("/api/v1/organizations/011002").json()
    assert sapporo["title"] == "北海道札幌市"
    assert sapporo["kind"] == "municipality" and sapporo["prefecture"] == "北海道"
    assert sapporo["spatial_uri"] == "http://data.e-stat.go.jp/lod/sac/C01100"
    hokkaido = client.get(
        "/api/v1/organizations", params={"prefecture": "北海道", "limit": 500}
    ).json()
    assert hokkaido["total"] == 180  # 1 prefecture + 179 municipalities
    found = client.get("/api/v1/organizations", params={"q": "札幌"}).json()
    assert "011002" in {o["name"] for o in found["items"]}
    assert client.get("/api/v1/organizations/999999").status_code == 404


def test_categories_and_licences(client: TestClient) -> None:
    cats = client.get("/api/v1/categories").json()
    assert len(cats) == 17 and cats[0]["title"] == "国土・気象" and cats[-1]["title"] == "その他"
    licences = {lic["id"]: lic for lic in client.get("/api/v1/licenses").json()}
    assert (
        licences["pdl-1.0"]["uri"]
        == "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
    )
    assert {"cc-by-4.0", "cc0-1.0", "gsl-2.0", "cc-by-2.1-jp", "cc-by", "notspecified"} <= set(
        licences
    )


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
