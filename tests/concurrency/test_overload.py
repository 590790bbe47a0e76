"""A crowd of clients gets answers or a fast 503, never a 500 or a hang (issue 10, item 9)."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.api_ckan.conftest import make_many
from tests.concurrency.conftest import serve
from tests.conftest import Backend

CLIENTS = 200
PATHS = [
    "/api/3/action/package_search?q=データ&rows=20",
    "/api/3/action/package_show?id=crowd-0003",
    "/api/v1/datasets/crowd-0007",
    "/api/v1/datasets?limit=20",
    "/dataset/crowd-0001.ttl",
]


async def _crowd(url: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def client(i: int) -> list[httpx.Response]:
            return [await http.get(PATHS[(i + k) % len(PATHS)]) for k in range(3)]

        batches = await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return [res for batch in batches for res in batch]


def test_two_hundred_clients_get_answers_or_503_and_healthz_stays_up(backend: Backend) -> None:
    make_many(backend, 30, prefix="crowd")
    # Few sessions and a short queue, so that this crowd overloads the process for sure.
    settings = {"db_sessions": 2, "db_queue_timeout": 0.2, "rate_limit_ip": ""}
    with serve(backend, **settings) as url:
        responses = asyncio.run(_crowd(url))
        started = time.monotonic()
        health = httpx.get(f"{url}/healthz", timeout=5)
        health_seconds = time.monotonic() - started
        after = httpx.get(f"{url}/api/v1/datasets/crowd-0002", timeout=5)
    statuses = [res.status_code for res in responses]
    assert len(statuses) == CLIENTS * 3
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert 503 in statuses and 200 in statuses
    for res in responses:
        if res.status_code == 503:
            assert int(res.headers["Retry-After"]) >= 1
            assert "busy" in res.text
    assert health.status_code == 200 and health_seconds < 2
    assert after.status_code == 200


def test_a_crowd_within_the_queue_timeout_gets_no_errors(backend: Backend) -> None:
    make_many(backend, 30, prefix="crowd")
    # A queue timeout longer than the crowd takes to serve on this machine: no 503 either.
    with serve(backend, rate_limit_ip="", db_queue_timeout=120.0) as url:
        responses = asyncio.run(_crowd(url))
    assert [r.status_code for r in responses if r.status_code != 200] == []
