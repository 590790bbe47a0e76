"""Concurrent creates that bring the same new tag all succeed.

Tags are shared rows (unique by name). Two editors who each create a dataset tagged with a word
nobody used before both insert that tag; on PostgreSQL the second insert waits for the first
transaction and then violates `uq_tag_name`. Neither editor did anything wrong, so neither may
get an error: the second create uses the tag the first one made.
"""

from __future__ import annotations

import httpx

from tests.concurrency.conftest import at_once, serve
from tests.conftest import Accounts, Backend

WRITERS = 6
ROUNDS = 5


def test_concurrent_creates_with_the_same_new_tags_all_succeed(
    backend: Backend, users: Accounts
) -> None:
    editor = users.make("tagger", org="011002")
    failures: list[str] = []
    with serve(backend) as url:
        for round_ in range(ROUNDS):
            tags = [{"name": f"新語{round_}-{k}"} for k in range(3)]

            def create(
                http: httpx.Client, i: int, round_: int = round_, tags: list[dict[str, str]] = tags
            ) -> None:
                name = f"tagged-{round_}-{i}"
                res = http.post(
                    "/api/3/action/package_create",
                    json={"name": name, "title": name, "owner_org": "011002", "tags": tags},
                )
                if res.status_code != 200:
                    failures.append(f"{name}: {res.status_code} {res.text[:300]}")

            at_once(url, editor.headers, WRITERS, create)
        with httpx.Client(base_url=url, timeout=60) as http:
            listed = http.get(
                "/api/3/action/package_search",
                params={"fq": "tags:新語0-0", "rows": 100},
            ).json()["result"]
            tag_list = http.get("/api/3/action/tag_list", params={"query": "新語"}).json()
    assert failures == []
    assert listed["count"] == WRITERS
    # One tag row per name, however many creates brought it.
    assert sorted(tag_list["result"]) == sorted(
        f"新語{r}-{k}" for r in range(ROUNDS) for k in range(3)
    )
