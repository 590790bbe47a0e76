"""Resources under a dataset, including concurrent creation (a known CKAN bug)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.conftest import Accounts

SAPPORO = "011002"


def _dataset(client: TestClient, headers: dict[str, str]) -> str:
    body = {"title": "避難所一覧", "owner_org": SAPPORO}
    resp = client.post("/api/v1/datasets", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def test_resource_lifecycle(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds_id = _dataset(client, editor.headers)
    base = f"/api/v1/datasets/{ds_id}/resources"
    res = client.post(
        base,
        json={"url": "https://example.jp/a.csv", "name": "一覧", "format": "csv", "size": 10},
        headers=editor.headers,
    )
    assert res.status_code == 201
    rid = res.json()["id"]
    assert res.json()["position"] == 0 and res.json()["format"] == "CSV"
    patched = client.patch(
        f"{base}/{rid}", json={"description": "<i>説明</i>"}, headers=editor.headers
    ).json()
    assert patched["description"] == "説明" and patched["url"] == "https://example.jp/a.csv"
    replaced = client.put(
        f"{base}/{rid}", json={"url": "https://example.jp/b.json"}, headers=editor.headers
    ).json()
    assert replaced["url"] == "https://example.jp/b.json" and replaced["name"] == ""
    bad = client.patch(f"{base}/{rid}", json={"url": "not a url"}, headers=editor.headers)
    assert bad.status_code == 422 and "url" in bad.json()["error"]["fields"]
    assert client.get(f"{base}/{rid}").json()["url"] == "https://example.jp/b.json"
    assert client.post(base, json={"url": "https://x.jp"}).status_code == 401
    assert client.delete(f"{base}/{rid}", headers=editor.headers).status_code == 204
    assert client.get(base).json() == []
    activity = client.get(f"/api/v1/datasets/{ds_id}/activity").json()
    assert [a["activity_type"] for a in activity].count("changed") == 4


def test_concurrent_resource_creates_lose_nothing(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds_id = _dataset(client, editor.headers)

    def add(i: int) -> int:
        resp = client.post(
            f"/api/v1/datasets/{ds_id}/resources",
            json={"url": f"https://example.jp/{i}.csv", "name": f"ファイル{i}"},
            headers=editor.headers,
        )
        return resp.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(add, range(16)))
    assert codes == [201] * 16
    resources = client.get(f"/api/v1/datasets/{ds_id}/resources").json()
    assert sorted(r["name"] for r in resources) == sorted(f"ファイル{i}" for i in range(16))
    assert sorted(r["position"] for r in resources) == list(range(16))
    assert client.get(f"/api/v1/datasets/{ds_id}").json()["revision"] == 17
