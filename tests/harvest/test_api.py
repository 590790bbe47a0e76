"""Harvest sources and jobs through the native API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.harvest.worker import run_once
from tests.conftest import Accounts, Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.servers import FixtureServer


def _body(url: str, **over: object) -> dict[str, object]:
    return {
        "name": "sapporo-portal",
        "title": "札幌市オープンデータポータル",
        "type": "ckan",
        "url": url,
        "organization": "011002",
        **over,
    }


def test_source_lifecycle_and_permissions(
    client: TestClient, users: Accounts, http_server: FixtureServer
) -> None:
    url = CkanPortal(http_server).url
    admin = users.make("sapporo-admin", org="011002", role="admin")
    editor = users.make("sapporo-editor", org="011002", role="editor")
    assert client.post("/api/v1/harvest/sources", json=_body(url)).status_code == 401
    assert (
        client.post("/api/v1/harvest/sources", json=_body(url), headers=editor.headers).status_code
        == 403
    )
    resp = client.post("/api/v1/harvest/sources", json=_body(url), headers=admin.headers)
    assert resp.status_code == 201, resp.text
    source = resp.json()
    assert source["schedule"] == "0 3 * * *" and source["next_run_at"]
    assert source["config"]["delete_threshold"] == 20 and source["organization"] == "011002"
    assert resp.headers["location"] == "/api/v1/harvest/sources/sapporo-portal"

    again = client.post("/api/v1/harvest/sources", json=_body(url), headers=admin.headers)
    assert again.status_code == 422 and "name" in again.json()["error"]["fields"]

    listed = client.get("/api/v1/harvest/sources").json()
    assert [s["name"] for s in listed] == ["sapporo-portal"] and listed[0]["last_job"] is None

    patch = {"schedule": "30 1 * * 1", "config": {"organizations": ["sapporo"], "rows": 50}}
    resp = client.patch("/api/v1/harvest/sources/sapporo-portal", json=patch, headers=admin.headers)
    assert resp.status_code == 200, resp.text
    changed = resp.json()
    assert changed["schedule"] == "30 1 * * 1" and changed["config"]["rows"] == 50
    assert changed["next_run_at"] != source["next_run_at"]

    other = users.make("tokyo-admin", org="131016", role="admin")
    assert (
        client.delete("/api/v1/harvest/sources/sapporo-portal", headers=other.headers).status_code
        == 403
    )
    assert (
        client.delete("/api/v1/harvest/sources/sapporo-portal", headers=admin.headers).status_code
        == 204
    )
    assert client.get("/api/v1/harvest/sources/sapporo-portal").status_code == 404


def test_invalid_sources_get_field_messages(client: TestClient, users: Accounts) -> None:
    admin = users.make("root", sysadmin=True)
    bad = _body("ftp://example.jp", name="Bad Name", schedule="61 * * * *", organization="nowhere")
    resp = client.post("/api/v1/harvest/sources", json=bad, headers=admin.headers)
    assert resp.status_code == 422
    fields = resp.json()["error"]["fields"]
    assert set(fields) == {"name", "url", "schedule", "organization"}
    assert "minute: 61 is outside 0-59" in fields["schedule"][0]
    typo = _body("https://example.jp", config={"delete_treshold": 50})
    resp = client.post("/api/v1/harvest/sources", json=typo, headers=admin.headers)
    assert resp.status_code == 422 and "config.delete_treshold" in resp.json()["error"]["fields"]
    resp = client.post(
        "/api/v1/harvest/sources",
        json=_body("https://example.jp", type="oai"),
        headers=admin.headers,
    )
    assert resp.status_code == 422


def test_names_of_the_harvest_pages_are_refused(client: TestClient, users: Accounts) -> None:
    # /harvest/new is the staff form; a source called "new" could never be opened.
    admin = users.make("root", sysadmin=True)
    for name in ("new", "edit", "job", "run", "test"):
        body = _body("https://example.jp", name=name)
        resp = client.post("/api/v1/harvest/sources", json=body, headers=admin.headers)
        assert resp.status_code == 422, name
        assert "reserved" in resp.json()["error"]["fields"]["name"][0]
    assert client.get("/api/v1/harvest/sources", headers=admin.headers).json() == []
    ok = client.post(
        "/api/v1/harvest/sources",
        json=_body("https://example.jp", name="news"),
        headers=admin.headers,
    )
    assert ok.status_code == 201


def test_run_now_report_and_one_job_at_a_time(
    client: TestClient, users: Accounts, http_server: FixtureServer, backend: Backend
) -> None:
    url = CkanPortal(http_server).url
    admin = users.make("sapporo-admin", org="011002", role="admin")
    client.post("/api/v1/harvest/sources", json=_body(url), headers=admin.headers)
    run_now = "/api/v1/harvest/sources/sapporo-portal/jobs"
    assert client.post(run_now).status_code == 401
    resp = client.post(run_now, headers=admin.headers)
    assert resp.status_code == 202 and resp.json()["status"] == "queued"
    job_id = resp.json()["id"]
    busy = client.post(run_now, headers=admin.headers)
    assert busy.status_code == 409 and job_id in busy.json()["error"]["message"]

    settings = backend.settings().model_copy(update={"harvest_allowed_hosts": "127.0.0.1"})
    run_once(backend.sessions, backend.engine, settings)

    rep = client.get(f"/api/v1/harvest/jobs/{job_id}").json()
    assert rep["job"]["status"] == "finished" and rep["job"]["stats"]["added"] == 8
    assert rep["total"] == 8 and rep["records"][0]["status"] == "added"
    assert rep["records"][0]["remote_url"].startswith(url.rstrip("/") + "/dataset/")
    assert (
        client.get(f"/api/v1/harvest/jobs/{job_id}", params={"status": "errored"}).json()["total"]
        == 0
    )
    assert client.get(f"/api/v1/harvest/jobs/{job_id}", params={"status": "x"}).status_code == 422
    jobs = client.get("/api/v1/harvest/sources/sapporo-portal/jobs").json()
    assert [j["id"] for j in jobs] == [job_id]
    assert client.get("/api/v1/harvest/jobs").json()[0]["source"] == "sapporo-portal"
    assert client.get("/api/v1/harvest/jobs/nope").status_code == 404
    source = client.get("/api/v1/harvest/sources/sapporo-portal").json()
    assert source["last_job"]["id"] == job_id
    # Deleting the source keeps what it brought in.
    client.delete("/api/v1/harvest/sources/sapporo-portal", headers=admin.headers)
    assert client.get("/api/v1/datasets/sapporo-aed").status_code == 200


def test_report_hides_datasets_made_private_since(
    client: TestClient, users: Accounts, http_server: FixtureServer, backend: Backend
) -> None:
    url = CkanPortal(http_server).url
    admin = users.make("sapporo-admin", org="011002", role="admin")
    client.post("/api/v1/harvest/sources", json=_body(url), headers=admin.headers)
    job_id = client.post("/api/v1/harvest/sources/sapporo-portal/jobs", headers=admin.headers)
    settings = backend.settings().model_copy(update={"harvest_allowed_hosts": "127.0.0.1"})
    run_once(backend.sessions, backend.engine, settings)
    path = f"/api/v1/harvest/jobs/{job_id.json()['id']}"
    hidden = client.get(path).json()["records"][0]
    name = hidden["dataset_name"]
    assert name and hidden["dataset_id"]
    resp = client.patch(f"/api/v1/datasets/{name}", json={"private": True}, headers=admin.headers)
    assert resp.status_code == 200, resp.text

    anonymous = client.get(path)
    assert anonymous.status_code == 200 and name not in anonymous.text
    entry = anonymous.json()["records"][0]
    assert entry["remote_key"] == hidden["remote_key"] and entry["status"] == "added"
    assert entry["dataset_name"] is None and entry["dataset_id"] is None
    assert anonymous.json()["records"][1]["dataset_name"]  # still public: still named
    member = client.get(path, headers=admin.headers).json()["records"][0]
    assert member["dataset_name"] == name
