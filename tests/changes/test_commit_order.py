"""Feed order = commit order, even with concurrent writers on PostgreSQL.

A sequence hands out activity ids at insert time; without the feed-order lock a slow
transaction could commit id N after a reader already moved its cursor past N + 1.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from app.accounts.actor import SYSTEM
from app.changes import service as feed
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from tests.conftest import Backend


def _create(
    backend: Backend,
    name: str,
    hold: threading.Event | None = None,
    inserted: threading.Event | None = None,
) -> None:
    with session_scope(backend.sessions) as session:
        datasets.create_dataset(session, SYSTEM, DatasetCreate(name=name, owner_org="011002"))
        session.flush()
        if inserted is not None:
            inserted.set()
        if hold is not None:
            assert hold.wait(10)
        # leaving the block commits


def _read_all(backend: Backend, cursor: str | None) -> tuple[list[str], str | None]:
    names: list[str] = []
    with session_scope(backend.sessions) as session:
        while True:
            page = feed.changes_since(session, cursor, 100)
            names += [c.name for c in page.changes]
            cursor = page.next_cursor
            if not page.has_more:
                return names, cursor


def test_second_writer_waits_for_the_first_to_commit(backend: Backend) -> None:
    if backend.name != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    hold, inserted = threading.Event(), threading.Event()
    first = threading.Thread(target=_create, args=(backend, "slow-writer", hold, inserted))
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=_create, args=(backend, "fast-writer"))
    second.start()
    time.sleep(0.5)
    # The fast writer cannot commit ahead of the slow one, so a reader sees neither yet...
    assert second.is_alive()
    names, cursor = _read_all(backend, None)
    assert names == []
    hold.set()
    first.join(10)
    second.join(10)
    # ...and then both, in commit order, with nothing skipped after the earlier cursor.
    assert _read_all(backend, cursor)[0] == ["slow-writer", "fast-writer"]


def test_a_polling_reader_never_misses_a_change(backend: Backend) -> None:
    """Writers with random delays before commit; a reader following the cursor sees all."""
    rng = random.Random(7)
    delays = [[rng.uniform(0, 0.05) for _ in range(8)] for _ in range(4)]

    def writer(w: int) -> None:
        for i, delay in enumerate(delays[w]):
            with session_scope(backend.sessions) as session:
                datasets.create_dataset(
                    session, SYSTEM, DatasetCreate(name=f"w{w}-{i}", owner_org="011002")
                )
                session.flush()
                time.sleep(delay)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    seen: list[str] = []
    cursor: str | None = None
    while any(t.is_alive() for t in threads):
        names, cursor = _read_all(backend, cursor)
        seen += names
        time.sleep(0.01)
    for t in threads:
        t.join()
    names, cursor = _read_all(backend, cursor)
    seen += names
    assert sorted(seen) == sorted(f"w{w}-{i}" for w in range(4) for i in range(8))
    assert len(seen) == len(set(seen)) == 32
