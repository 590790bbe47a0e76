"""Two web processes continue each other's `start` walks: the paging memo is in the database.

ckanext-harvest pages `package_search?sort=id+asc&start=0,100,...`; behind `catalog serve
--workers 2` its requests land on either process. Here every other page goes to the other of
two real server processes while datasets are created before the walk's position and deleted
around it; the walk must still see every surviving dataset exactly once.
"""

from __future__ import annotations

import bisect
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models import PagingMemo
from tests.api_ckan.conftest import make_dataset, make_many
from tests.api_ckan.test_harvesting import delete, touch
from tests.conftest import Backend

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> dict[str, Any]:
    with urlopen(url, timeout=60) as res:
        body: dict[str, Any] = json.loads(res.read())
        return body


@pytest.fixture
def two_servers(backend: Backend) -> Iterator[list[str]]:
    """Two separate `uvicorn app.main:create_app` processes on the test database."""
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": backend.url,
        "CATALOG_BASE_URI": "http://catalog.test",
        "CATALOG_RATE_LIMIT_IP": "",
        "CATALOG_RATE_LIMIT_TOKEN": "",
        "CATALOG_HARVEST_SCHEDULER": "false",
        # Each process would keep its own memory index: search the database, which both share.
        "CATALOG_SEARCH_MEMORY": "off",
    }
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for _ in range(2):
            port = _free_port()
            procs.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
                        *("--port", str(port), "--log-level", "warning"),
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urlopen(url + "/healthz", timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{url} did not start") from None
                    time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def test_walk_alternating_between_two_workers_is_stable(
    two_servers: list[str], backend: Backend
) -> None:
    originals = make_many(backend, 250)
    by_id = sorted(d.id for d in originals)
    deleted: set[str] = set()
    params = {"rows": "100", "start": "0", "sort": "id asc"}
    walked: list[str] = []
    page_number = 0
    while True:
        server = two_servers[page_number % 2]
        page = _get(f"{server}/api/3/action/package_search?{urlencode(params)}")["result"]
        ids = [p["id"] for p in page["results"]]
        walked.extend(ids)
        if not ids:
            break
        page_number += 1
        # Writes between pages that would shift plain offsets both ways (as test_harvesting).
        position = bisect.bisect_right(by_id, ids[-1])
        for _ in range(3):
            make_dataset(
                backend,
                id=str(uuid.UUID(int=uuid.uuid4().int >> 32)),
                name=f"new-{uuid.uuid4().hex[:12]}",
            )
        for victim in (by_id[position // 2], by_id[min(position + 20, len(by_id) - 1)]):
            if victim not in deleted:
                delete(backend, victim)
                deleted.add(victim)
        if ids[-1] not in deleted:
            touch(backend, ids[-1], "変更")
        params["start"] = str(int(params["start"]) + int(params["rows"]))
    assert page_number >= 3, "the walk must cross both workers more than once"
    counts = Counter(walked)
    assert max(counts.values()) == 1, "a dataset came back twice"
    assert set(by_id) - deleted <= set(counts), "a surviving dataset was missed"
    with session_scope(backend.sessions) as session:
        assert session.scalar(select(func.count()).select_from(PagingMemo)) >= 2


def test_a_repeated_search_does_not_write_the_memo_again(
    two_servers: list[str], backend: Backend
) -> None:
    make_many(backend, 30)
    query = urlencode({"rows": "10", "sort": "id asc"})
    first = [_get(f"{url}/api/3/action/package_search?{query}")["result"] for url in two_servers]
    with session_scope(backend.sessions) as session:
        stored = session.execute(select(PagingMemo.query_key, PagingMemo.stored_at)).all()
    assert len(stored) == 1
    # Once each worker has answered the search, repeating it writes nothing on either.
    again = [_get(f"{url}/api/3/action/package_search?{query}")["result"] for url in two_servers]
    assert again == first
    with session_scope(backend.sessions) as session:
        assert session.execute(select(PagingMemo.query_key, PagingMemo.stored_at)).all() == stored
