"""A search that catches the memory index up reads the writes before it takes the index's lock.

What a user would notice otherwise: after any write, the first search's catch-up queries run
under the lock every search of the process needs, so all other searches wait on the database
for that one (and a search awaited on an event loop under that lock deadlocked, Session 9).
Here the first search is held inside its catch-up read; a second search must still answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from app.accounts.actor import ANONYMOUS
from app.db import make_read_sessionmaker, session_scope
from app.search.memory import loader, registry
from app.search.memory.loader import Changes
from app.search.params import SearchParams
from app.search.service import search_datasets
from tests.conftest import Backend
from tests.search.test_memory_index import create, same
from tests.search.test_memory_snapshot import restart


class HeldRead:
    """Wraps loader.read_changes: the first call waits (after its read) until released."""

    def __init__(self) -> None:
        self.real = loader.read_changes
        self.entered = threading.Event()
        self.release = threading.Event()
        self.lock_held_during_read: list[bool] = []
        self._first = True
        self._guard = threading.Lock()

    def __call__(self, session: Session, since: int) -> Changes:
        db = registry._database(registry._engine(session))
        self.lock_held_during_read.append(db.lock.locked())
        changes = self.real(session, since)
        with self._guard:
            first, self._first = self._first, False
        if first:
            self.entered.set()
            assert self.release.wait(30)
        return changes


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldRead]:
    spy = HeldRead()
    monkeypatch.setattr(registry, "read_changes", spy)
    yield spy
    spy.release.set()


def _ids(backend: Backend, q: str) -> list[str]:
    # A read session, as the app's searches have (on SQLite a writer's BEGIN IMMEDIATE would
    # make the second search wait for the first one's transaction, lock or no lock).
    with session_scope(make_read_sessionmaker(backend.engine)) as session:
        return search_datasets(session, ANONYMOUS, SearchParams(q=q, rows=100)).ids


def test_a_search_answers_while_another_reads_its_catch_up(
    backend: Backend, held: HeldRead
) -> None:
    with session_scope(backend.sessions) as session:
        first = create(session, "unlocked-first", "保育所一覧")
    restart(backend)
    assert same(backend, "保育").ids == [first]
    with session_scope(backend.sessions) as session:
        second = create(session, "unlocked-second", "認可保育所の空き状況")

    answers: dict[str, list[str]] = {}
    slow = threading.Thread(target=lambda: answers.update(slow=_ids(backend, "保育")))
    slow.start()
    assert held.entered.wait(30), "the first search never read its catch-up"
    # The first search is inside its catch-up read. Another search must not wait for it.
    other = threading.Thread(target=lambda: answers.update(other=_ids(backend, "保育")))
    other.start()
    other.join(20)
    finished_while_held = not other.is_alive()
    held.release.set()
    slow.join(30)
    other.join(30)

    assert finished_while_held, "a search waited for another search's catch-up read"
    assert set(answers["other"]) == {first, second}
    assert set(answers["slow"]) == {first, second}  # applied by the other; still correct
    assert held.lock_held_during_read and not any(held.lock_held_during_read)
    assert set(same(backend, "保育").ids) == {first, second}
