"""The Action API's envelope, request forms and error shapes, as CKAN clients rely on them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.ckan import router as ckan_router
from app.api.ckan.registry import Action
from app.main import create_app
from tests.api_ckan.conftest import make_dataset
from tests.conftest import Accounts, Backend


def test_version_documents(client: TestClient) -> None:
    assert client.get("/api/3").json() == {"version": 3}
    assert client.get("/api").json() == {"version": 3}


def test_success_envelope_on_both_prefixes(client: TestClient) -> None:
    for prefix in ("/api/3/action", "/api/action"):
        body = client.get(f"{prefix}/status_show").json()
        assert body["success"] is True
        assert body["help"] == "http://catalog.test/api/3/action/help_show?name=status_show"
        assert body["result"]["ckan_version"].startswith("2.")
        assert body["result"]["site_url"] == "http://catalog.test"


def test_unknown_action_and_write_by_get_are_bad_requests(client: TestClient) -> None:
    res = client.get("/api/3/action/package_frobnicate")
    assert res.status_code == 400
    assert res.json() == "Bad request - Action name not known: package_frobnicate"
    res = client.get("/api/3/action/package_create", params={"name": "x"})
    assert res.status_code == 400
    assert "Please use POST" in res.json()


def test_bad_json_body_is_a_bad_request(client: TestClient) -> None:
    res = client.post(
        "/api/3/action/package_show",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert res.status_code == 400 and res.json().startswith("Bad request - JSON Error")
    res = client.post("/api/3/action/package_show", json=["a", "list"])
    assert res.status_code == 400 and "needs to be a dictionary" in res.json()


def test_not_found_error(client: TestClient) -> None:
    res = client.get("/api/3/action/package_show", params={"id": "no-such-dataset"})
    assert res.status_code == 404
    body = res.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found")


def test_missing_parameter_is_a_validation_error(client: TestClient) -> None:
    res = client.get("/api/3/action/package_show")
    assert res.status_code == 409
    assert res.json()["error"] == {"id": ["Missing value"], "__type": "Validation Error"}


def test_every_way_of_reading_a_request(client: TestClient, backend: Backend) -> None:
    ds = make_dataset(backend, name="sapporo-aed", title="札幌市AED設置箇所一覧")
    ok = [
        client.get("/api/3/action/package_show", params={"id": "sapporo-aed"}),
        client.post("/api/3/action/package_show", json={"id": "sapporo-aed"}),
        client.post("/api/3/action/package_show", data={"id": "sapporo-aed"}),
        # Old clients post the JSON document as the only form key.
        client.post(
            "/api/3/action/package_show",
            content=json.dumps({"id": "sapporo-aed"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        # A POST without a body reads the query string (read actions).
        client.post("/api/3/action/package_show?id=sapporo-aed"),
    ]
    for res in ok:
        assert res.status_code == 200, res.text
        assert res.json()["result"]["id"] == ds.id


def test_repeated_keys_and_json_lists_in_get(client: TestClient, backend: Backend) -> None:
    make_dataset(backend, name="a-tagged", tags=[{"name": "防災"}])
    res = client.get(
        "/api/3/action/package_search",
        params=[("fq_list", "tags:防災"), ("fq_list", "organization:011002")],
    )
    assert res.status_code == 200, res.text
    assert res.json()["result"]["count"] == 1
    res = client.get(
        "/api/3/action/package_search", params={"facet.field": '["tags","organization"]'}
    )
    assert set(res.json()["result"]["facets"]) == {"tags", "organization"}


def test_token_in_every_header_form(client: TestClient, users: Accounts) -> None:
    admin = users.make("admin", sysadmin=True)
    headers = [
        {"Authorization": admin.token},
        {"Authorization": f"Bearer {admin.token}"},
        {"X-CKAN-API-Key": admin.token},
    ]
    for i, header in enumerate(headers):
        res = client.post(
            "/api/3/action/package_create",
            json={"name": f"via-header-{i}", "owner_org": "011002"},
            headers=header,
        )
        assert res.status_code == 200, res.text


def test_missing_or_bad_token_is_an_authorization_error(client: TestClient) -> None:
    body = {"name": "no-token", "owner_org": "011002"}
    for headers in ({}, {"Authorization": "jpcat_not-a-real-token"}):
        res = client.post("/api/3/action/package_create", json=body, headers=headers)
        assert res.status_code == 403
        assert res.json()["error"]["__type"] == "Authorization Error"


def test_failed_write_leaves_nothing_behind(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    admin = users.make("admin", sysadmin=True)
    res = client.post(
        "/api/3/action/package_create",
        json={"name": "half-written", "owner_org": "011002", "license_id": "no-such-licence"},
        headers=admin.headers,
    )
    assert res.status_code == 409
    assert "license_id" in res.json()["error"]
    assert (
        client.get("/api/3/action/package_show", params={"id": "half-written"}).status_code == 404
    )


def test_native_api_errors_keep_their_own_shape(client: TestClient) -> None:
    res = client.get("/api/v1/datasets/no-such-dataset")
    assert res.status_code == 404
    assert res.json()["error"]["type"] == "Not Found"


def test_help_show(client: TestClient) -> None:
    res = client.get("/api/3/action/help_show", params={"name": "package_search"})
    assert "fq" in res.json()["result"]
    assert client.get("/api/3/action/help_show", params={"name": "nope"}).status_code == 404


def test_errors_outside_actions_are_envelopes_too(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(_ctx: Any, _data: dict[str, Any]) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(ckan_router.ACTIONS, "status_show", Action(crash, read=True))
    settings = backend.settings().model_copy(update={"max_request_bytes": 1000})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for prefix in ("/api/3/action", "/api/action"):
            res = client.get(f"{prefix}/status_show")
            assert res.status_code == 500
            body = res.json()
            assert body["success"] is False and body["help"].endswith("name=status_show")
            assert body["error"]["__type"] == "Internal Server Error" and "a bug" not in res.text
            big = client.post(f"{prefix}/package_create", content=b"x" * 2000)
            assert big.status_code == 413
            assert big.json()["success"] is False
            assert big.json()["error"]["__type"] == "Request Too Large"
            nul = client.get(f"{prefix}/package_show", params={"id": "a\x00"})
            assert nul.status_code == 400 and nul.json()["error"]["__type"] == "Bad Request"
            unknown = client.get(f"{prefix}/package_show/extra")
            assert unknown.status_code == 400
            assert unknown.json() == "Bad request - Action name not known: package_show/extra"
            wrong_method = client.put(f"{prefix}/package_show")
            assert wrong_method.status_code == 405 and wrong_method.json()["success"] is False
            assert wrong_method.json()["error"]["__type"] == "Method Not Allowed"
        # Elsewhere the native shapes stay.
        assert client.get("/api/v1/no-such").status_code == 404
        too_big = client.post("/api/v1/datasets", content=b"x" * 2000)
        assert too_big.status_code == 413 and too_big.json()["error"]["type"] == "Request Too Large"
