"""No input makes the native API answer 500: a seeded random walk over every route."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.conftest import Accounts

NASTY: list[Any] = [
    None,
    "",
    " ",
    "\x00",
    "a\u0000b",
    "%00",
    "💥" * 300,
    "x" * 20_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "../../etc/passwd",
    "２０２４－０１－０１",
    "2024-13-45",
    -1,
    0,
    2**63,
    1.5,
    True,
    [],
    {},
    [None],
    {"a": None},
    "ｶﾀｶﾅ",
    "011001",
    "02-22",
]
FIELDS = [
    "name",
    "title",
    "notes",
    "owner_org",
    "private",
    "state",
    "license_id",
    "url",
    "tags",
    "categories",
    "measures",
    "extras",
    "resources",
    "temporal_start",
    "issued",
    "spatial_code",
    "standard_kind",
    "frequency",
    "language",
    "author_email",
]


def _body(rng: random.Random) -> Any:
    if rng.random() < 0.1:
        return rng.choice(NASTY)
    body: dict[str, Any] = {"title": "テスト", "owner_org": "011002"}
    for _ in range(rng.randint(1, 4)):
        body[rng.choice(FIELDS)] = rng.choice(NASTY)
    return body


def test_no_500_on_random_input(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org="011002")
    created = client.post(
        "/api/v1/datasets", json={"title": "基準", "owner_org": "011002"}, headers=editor.headers
    )
    ds = created.json()["id"]
    rng = random.Random(20261122)
    failures: list[tuple[str, str, Any, int]] = []
    for _ in range(250):
        value = str(rng.choice(NASTY))
        choice = rng.randrange(9)
        if choice == 0:
            method, url, kwargs = "POST", "/api/v1/datasets", {"json": _body(rng)}
        elif choice == 1:
            method, url, kwargs = "PATCH", f"/api/v1/datasets/{ds}", {"json": _body(rng)}
        elif choice == 2:
            method, url, kwargs = "PUT", f"/api/v1/datasets/{ds}", {"json": _body(rng)}
        elif choice == 3:
            params = {
                rng.choice(
                    ["q", "organization", "tag", "page", "limit", "cursor", "modified_since"]
                ): value
            }
            method, url, kwargs = "GET", "/api/v1/datasets", {"params": params}
        elif choice == 4:
            method, url, kwargs = "GET", f"/api/v1/datasets/{quote(value[:200], safe='')}", {}
        elif choice == 5:
            params = {rng.choice(["kind", "prefecture", "q", "page", "limit"]): value}
            method, url, kwargs = "GET", "/api/v1/organizations", {"params": params}
        elif choice == 6:
            params = {rng.choice(["section", "ministry"]): value}
            method, url, kwargs = "GET", "/api/v1/measures", {"params": params}
        elif choice == 7:
            method, url, kwargs = "POST", f"/api/v1/datasets/{ds}/resources", {"json": _body(rng)}
        else:
            method, url, kwargs = "POST", "/api/v1/tokens", {"json": _body(rng)}
        resp = client.request(method, url, headers=editor.headers, **kwargs)
        if resp.status_code >= 500:
            failures.append((method, url, kwargs, resp.status_code))
    assert failures == []


def test_nul_bytes_and_oversized_bodies_get_clear_errors(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("clerk", org="011002")
    body = {"title": "a\u0000b", "owner_org": "011002"}
    resp = client.post("/api/v1/datasets", json=body, headers=editor.headers)
    assert resp.status_code == 400 and "NUL" in resp.json()["error"]["message"]
    assert client.get("/api/v1/datasets", params={"q": "a\x00"}).status_code == 400
    huge = {"title": "x", "owner_org": "011002", "notes": "あ" * 4_000_000}
    too_big = client.post("/api/v1/datasets", json=huge, headers=editor.headers)
    assert too_big.status_code == 413
    assert client.get("/api/v1/datasets").json()["total"] == 0
