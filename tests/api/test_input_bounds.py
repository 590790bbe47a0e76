"""Hostile input gets a 4xx that says what to fix, on both APIs and both databases (issue 10).

Classes: markup in any text field, over-long fields, integers past 64 bits, date-times whose UTC
conversion leaves years 1-9999, lone surrogates, deeply nested JSON; and the native API's
timestamps carry their offset while the CKAN API keeps CKAN's naive UTC.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from app.api.json_input import MAX_DEPTH
from app.common.bounds import MAX_INT64
from app.common.text import LINE_MAX
from app.config import Settings
from app.main import create_app
from tests.conftest import Accounts

ORG = "011002"
HUGE = str(2**64 + 1)  # past 64 bits
XSS_ENTITY = "&lt;img src=x onerror=alert(1)&gt;"
XSS_UNCLOSED = "<img src=x onerror=alert(1)//"
CKAN = "/api/3/action"
NAIVE_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")


def _no_markup(value: Any) -> None:
    text = str(value)
    assert "<img" not in text and "onerror=alert(1)>" not in text, text


def test_markup_is_never_stored_in_any_text_field(client: TestClient, users: Accounts) -> None:
    root = users.make("root", sysadmin=True)
    editor = users.make("clerk", org=ORG)
    body = {
        "title": f"保育所一覧 {XSS_ENTITY}",
        "notes": f"1行目 a < b & c\n2行目 {XSS_UNCLOSED}",
        "owner_org": ORG,
        "author": XSS_ENTITY,
        "tags": [f"保育{XSS_ENTITY}", "避難"],
        "extras": {"note": XSS_ENTITY, f"key{XSS_ENTITY}": "v"},
        "resources": [
            {"url": "https://example.jp/a.csv", "name": XSS_ENTITY, "description": XSS_UNCLOSED}
        ],
    }
    created = client.post("/api/v1/datasets", json=body, headers=editor.headers)
    assert created.status_code == 201, created.text
    ds = client.get(f"/api/v1/datasets/{created.json()['id']}").json()
    assert ds["title"] == "保育所一覧"
    assert ds["notes"] == "1行目 a < b & c\n2行目"  # prose and the line break kept
    assert ds["author"] == "" and sorted(ds["tags"]) == ["保育", "避難"]
    assert ds["extras"] == {"note": "", "key": "v"}
    _no_markup(ds)
    pkg = client.post(
        f"{CKAN}/package_create",
        json={
            "name": "ckan-xss",
            "title": XSS_ENTITY + "題",
            "owner_org": ORG,
            "notes": XSS_UNCLOSED,
        },
        headers=editor.headers,
    )
    assert pkg.status_code == 200, pkg.text
    shown = client.get(f"{CKAN}/package_show", params={"id": "ckan-xss"}).json()["result"]
    assert shown["title"] == "題" and shown["notes"] == ""
    # Harvest source titles, user full names and token names go through the same rule.
    source = client.post(
        "/api/v1/harvest/sources",
        json={
            "name": "xss-source",
            "title": f"ポータル{XSS_ENTITY}",
            "type": "ckan",
            "url": "https://portal.example.jp/",
            "organization": ORG,
        },
        headers=root.headers,
    )
    assert source.status_code == 201, source.text
    assert source.json()["title"] == "ポータル"
    user = client.post(
        "/api/v1/users",
        json={"name": "taro", "password": "correct horse", "fullname": f"山田{XSS_UNCLOSED}"},
        headers=root.headers,
    )
    assert user.status_code == 201 and user.json()["fullname"] == "山田", user.text
    token = client.post("/api/v1/tokens", json={"name": f"CI {XSS_ENTITY}"}, headers=root.headers)
    assert token.status_code == 201 and token.json()["name"] == "CI", token.text


def test_a_9_mb_title_is_refused_naming_the_field_and_the_limit(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=ORG)
    title = "x" * (9 * 1024 * 1024)
    native = client.post(
        "/api/v1/datasets", json={"title": title, "owner_org": ORG}, headers=editor.headers
    )
    assert native.status_code == 422
    assert str(LINE_MAX) in " ".join(native.json()["error"]["fields"]["title"])
    ckan = client.post(
        f"{CKAN}/package_create",
        json={"name": "long-title", "title": title, "owner_org": ORG},
        headers=editor.headers,
    )
    assert ckan.status_code == 409  # CKAN's Validation Error status
    assert str(LINE_MAX) in " ".join(ckan.json()["error"]["title"])
    assert client.get("/api/v1/datasets").json()["total"] == 0


def test_integers_past_64_bits_are_4xx_everywhere(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=ORG)
    ds = client.post(
        "/api/v1/datasets", json={"title": "基準", "owner_org": ORG}, headers=editor.headers
    ).json()
    gets = [
        ("/api/v1/datasets", {"page": HUGE}),
        (f"/api/v1/datasets/{ds['id']}/activity", {"offset": HUGE}),
        ("/api/v1/search", {"page": HUGE}),
        ("/api/v1/search", {"facet_mincount": HUGE}),
        ("/api/v1/organizations", {"page": HUGE}),
        ("/api/v1/changes", {"since": HUGE}),
        ("/api/v1/harvest/jobs", {"limit": HUGE}),
        (f"{CKAN}/package_search", {"start": HUGE}),
        (f"{CKAN}/package_search", {"rows": HUGE, "start": "-" + HUGE}),
        (f"{CKAN}/package_search", {"facet.limit": "-" + HUGE}),
        (f"{CKAN}/package_list", {"offset": HUGE, "limit": "5"}),
        (f"{CKAN}/current_package_list_with_resources", {"offset": HUGE}),
        (f"{CKAN}/package_activity_list", {"id": ds["id"], "offset": HUGE}),
        ("/catalog.ttl", {"page": HUGE}),
        ("/sitemap-" + HUGE + ".xml", {}),
    ]
    for url, params in gets:
        resp = client.get(url, params=params, headers=editor.headers)
        assert 400 <= resp.status_code < 500, (url, params, resp.status_code, resp.text)
    posts = [
        (f"/api/v1/datasets/{ds['id']}/resources", {"url": "https://e.jp/a", "size": 2**64 + 1}),
        (f"{CKAN}/package_search", {"start": 2**70}),
        (
            f"{CKAN}/resource_create",
            {"package_id": ds["id"], "url": "https://e.jp/a", "size": 2**64},
        ),
    ]
    for url, body in posts:
        resp = client.post(url, json=body, headers=editor.headers)
        assert 400 <= resp.status_code < 500, (url, body, resp.status_code, resp.text)


def test_date_times_outside_years_1_to_9999_in_utc_are_4xx(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=ORG)
    early, late = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
    for when in (early, late):
        resp = client.post(
            "/api/v1/datasets",
            json={"title": "x", "owner_org": ORG, "issued": when},
            headers=editor.headers,
        )
        assert resp.status_code == 422, resp.text
        assert "UTC" in " ".join(resp.json()["error"]["fields"]["issued"])
        for url, key in (
            ("/api/v1/datasets", "modified_since"),
            ("/api/v1/search", "created_until"),
        ):
            got = client.get(url, params={key: when})
            assert got.status_code == 422 and key in got.json()["error"]["fields"], got.text
        ckan = client.post(
            f"{CKAN}/package_create",
            json={"name": "early", "title": "x", "owner_org": ORG, "issued": when},
            headers=editor.headers,
        )
        assert 400 <= ckan.status_code < 500, ckan.text
        fq = client.get(f"{CKAN}/package_search", params={"fq": f"metadata_modified:[{when} TO *]"})
        assert 400 <= fq.status_code < 500, fq.text
    ok = client.post(
        "/api/v1/datasets",
        json={"title": "x", "owner_org": ORG, "issued": "2024-04-01T09:00:00+09:00"},
        headers=editor.headers,
    )
    assert ok.status_code == 201 and ok.json()["issued"] == "2024-04-01T00:00:00Z"


def test_lone_surrogates_are_4xx(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=ORG)
    escaped = b'{"title": "a\\ud800b", "owner_org": "011002"}'
    raw_utf8 = '{"title": "a\ud800b", "owner_org": "011002"}'.encode("utf-8", "surrogatepass")
    headers = {**editor.headers, "Content-Type": "application/json"}
    for body in (escaped, raw_utf8):
        native = client.post("/api/v1/datasets", content=body, headers=headers)
        assert native.status_code == 422, native.text
        assert "surrogate" in native.json()["error"]["fields"]["body"][0]
        ckan = client.post(f"{CKAN}/package_create", content=body, headers=headers)
        assert ckan.status_code == 400 and "surrogate" in ckan.json()
    assert client.get("/api/v1/datasets").json()["total"] == 0


def _nested(depth: int) -> str:
    return '{"title": "x", "owner_org": "011002", "extras": ' + "[" * depth + "]" * depth + "}"


def test_deeply_nested_json_is_4xx_with_the_documented_limit(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=ORG)
    headers = {**editor.headers, "Content-Type": "application/json"}
    for depth in (MAX_DEPTH + 1, 100_000):
        body = _nested(depth).encode()
        native = client.post("/api/v1/datasets", content=body, headers=headers)
        assert native.status_code == 422, native.text
        assert f"more than {MAX_DEPTH} levels" in native.json()["error"]["fields"]["body"][0]
        for action in ("package_create", "package_search", "status_show"):
            ckan = client.post(f"{CKAN}/{action}", content=body, headers=headers)
            assert ckan.status_code == 400, (action, ckan.text)
            assert f"more than {MAX_DEPTH} levels" in ckan.json()  # CKAN's bare-string body
    deep_param = "[" * 10_000 + "]" * 10_000
    got = client.get(f"{CKAN}/package_search", params={"facet.field": deep_param})
    assert got.status_code == 400 and "levels" in got.json()


def test_native_timestamps_carry_z_while_ckan_keeps_naive_utc(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org=ORG)
    made = client.post(
        "/api/v1/datasets",
        json={"title": "時刻", "owner_org": ORG, "issued": "2024-04-01T09:00:00+09:00"},
        headers=editor.headers,
    ).json()
    native = client.get(f"/api/v1/datasets/{made['id']}").json()
    for key in ("metadata_created", "metadata_modified"):
        assert native[key].endswith("Z"), native[key]
        assert datetime.fromisoformat(native[key]).utcoffset() is not None
    listed = client.get("/api/v1/search").json()["items"][0]
    assert listed["metadata_modified"].endswith("Z")
    tokens = client.get("/api/v1/tokens", headers=editor.headers).json()
    assert tokens[0]["created"].endswith("Z")
    pkg = client.get(f"{CKAN}/package_show", params={"id": made["id"]}).json()["result"]
    assert NAIVE_UTC.fullmatch(pkg["metadata_modified"])
    assert pkg["metadata_modified"] == native["metadata_modified"].removesuffix("Z")
    # The history snapshot behind CKAN's activity keeps CKAN's format too.
    activity = client.get(f"{CKAN}/package_activity_list", params={"id": made["id"]}).json()
    package = activity["result"][0]["data"]["package"]
    assert (
        NAIVE_UTC.fullmatch(package["metadata_modified"])
        and package["issued"] == "2024-04-01T00:00:00"
    )


def _input_schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema node a client sends: parameters and request bodies, $refs followed."""
    components = spec["components"]["schemas"]
    todo: list[Any] = []
    for path in spec["paths"].values():
        for op in path.values():
            todo += [p["schema"] for p in op.get("parameters", [])]
            todo += [c["schema"] for c in op.get("requestBody", {}).get("content", {}).values()]
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo += node
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    todo.append(components[name])
                continue
            found.append(node)
            todo += list(node.values())
    return found


def test_openapi_documents_a_bound_for_every_integer_and_string_input() -> None:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    schemas = _input_schemas(spec)
    assert any(s.get("type") == "integer" for s in schemas)
    unbounded = [
        s
        for s in schemas
        if s.get("type") == "integer" and not s.get("maximum", MAX_INT64 + 1) <= MAX_INT64
    ]
    assert unbounded == []
    bodies = [s for s in schemas if s.get("type") == "object" and "properties" in s]
    unlimited = [
        (body.get("title"), name)
        for body in bodies
        for name, prop in body["properties"].items()
        for s in [prop, *prop.get("anyOf", []), prop.get("items", {})]
        if s.get("type") == "string"
        and "maxLength" not in s
        and "enum" not in s
        and "pattern" not in s
        and s.get("format") not in ("date", "date-time")
    ]
    assert unlimited == []


def test_every_json_body_is_read_within_bounds(client: TestClient) -> None:
    """Each operation that takes a JSON body refuses a too-deep one before anything else."""
    spec = client.get("/openapi.json").json()
    body = _nested(MAX_DEPTH + 1).encode()
    operations = [
        (method, path)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]
    assert len(operations) >= 8
    for method, path in operations:
        url = re.sub(r"\{[^}]+\}", "x", path)
        resp = client.request(
            method.upper(), url, content=body, headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 422, (method, path, resp.text)
        assert "levels" in resp.text, (method, path, resp.text)
