"""Concurrent creates without a name all get one (e-Gov style `{org}_{YYYYMMDD}_{NNNN}`).

Each create draws the next free number; two drawn at once collide on `uq_dataset_name`, and the
later one must draw again inside its savepoint instead of failing (a 500 on PostgreSQL before).
"""

from __future__ import annotations

import httpx

from tests.concurrency.conftest import at_once, serve
from tests.conftest import Accounts, Backend

WRITERS = 8
ROUNDS = 3


def test_concurrent_creates_without_a_name_each_get_a_free_one(
    backend: Backend, users: Accounts
) -> None:
    editor = users.make("namer", org="011002")
    got: list[str] = []
    with serve(backend) as url:
        for round_ in range(ROUNDS):

            def create(http: httpx.Client, i: int, round_: int = round_) -> None:
                body = {"title": f"名前なし {round_} {i}", "owner_org": "011002"}
                res = http.post("/api/v1/datasets", json=body)
                ok = res.status_code == 201
                got.append(res.json()["name"] if ok else f"{res.status_code} {res.text[:300]}")

            at_once(url, editor.headers, WRITERS, create)
    failures = [g for g in got if not g.startswith("011002_")]
    assert failures == []
    assert len(set(got)) == WRITERS * ROUNDS
    numbers = sorted(int(name.rsplit("_", 1)[1]) for name in got)
    assert numbers == list(range(1, WRITERS * ROUNDS + 1))
