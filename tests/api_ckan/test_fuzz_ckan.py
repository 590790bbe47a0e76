"""No input makes the Action API answer 500: a seeded random walk over every action."""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient

from app.api.ckan.router import ACTIONS
from tests.api_ckan.conftest import make_dataset
from tests.conftest import Accounts, Backend

NASTY: list[Any] = [
    None,
    "",
    " ",
    "💥" * 200,
    "x" * 5_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "\\",
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
    [1, 2],
    [{"name": None}],
    [{"key": 1, "value": [1]}],
    [{"url": 5, "size": "big"}],
    {"a": None},
    {"name": {"nested": True}},
    "ｶﾀｶﾅ",
    "011002",
    "02-22",
    "[* TO NOW]",
    "metadata_modified:[x TO y]",
    "tags:(",
    '"',
    "OR",
    "NOT",
    "score desc,",
    "id asc, name desc",
]
KEYS = [
    "id",
    "name",
    "name_or_id",
    "package_id",
    "title",
    "owner_org",
    "organization",
    "groups",
    "tags",
    "tag_string",
    "extras",
    "resources",
    "private",
    "state",
    "license_id",
    "url",
    "temporal_start",
    "issued",
    "measures",
    "q",
    "fq",
    "fq_list",
    "rows",
    "start",
    "sort",
    "facet",
    "facet.field",
    "facet.limit",
    "facet.mincount",
    "include_private",
    "include_drafts",
    "fl",
    "limit",
    "offset",
    "all_fields",
    "type",
    "query",
    "include_datasets",
    "username",
    "role",
    "size",
    "format",
]


def test_no_500_on_random_input(client: TestClient, users: Accounts, backend: Backend) -> None:
    admin = users.make("admin", sysadmin=True)
    ds = make_dataset(backend, name="target", resources=[{"url": "https://example.jp/a.csv"}])
    real = [ds.id, "target", ds.resources[0].id, "011002"]
    rng = random.Random(20261123)
    names = sorted(ACTIONS)
    failures: list[tuple[str, Any, int]] = []
    for _ in range(600):
        action = rng.choice(names)
        data: dict[str, Any] = {}
        for _ in range(rng.randint(0, 4)):
            data[rng.choice(KEYS)] = rng.choice(NASTY + real)
        headers = admin.headers if rng.random() < 0.7 else {}
        if ACTIONS[action].read and rng.random() < 0.5:
            params = {k: str(v) for k, v in data.items() if v is not None}
            resp = client.get(f"/api/3/action/{action}", params=params, headers=headers)
        else:
            resp = client.post(f"/api/3/action/{action}", json=data, headers=headers)
        if resp.status_code >= 500:
            failures.append((action, data, resp.status_code))
    assert failures == []
