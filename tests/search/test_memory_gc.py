"""A large loaded memory index is frozen out of the cyclic garbage collector.

What a user would notice if it were not: every full collection walks the whole index (96 ms
at 100k datasets), and the requests waiting behind it show as p99 pauses. What they would
notice if freezing went wrong: a reindex that never frees the index it replaced.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from app.db import session_scope
from app.search import memory
from app.search.memory import registry
from tests.conftest import Backend
from tests.search.test_memory_index import create, same
from tests.search.test_memory_snapshot import restart


@pytest.fixture
def freeze_small() -> Iterator[None]:
    before = registry.options.freeze_min_docs
    memory.configure(freeze_min_docs=1)
    try:
        yield
    finally:
        memory.configure(freeze_min_docs=before)
        gc.unfreeze()


def _tracked(obj: object) -> bool:
    """`obj` is in a generation the collector walks (frozen objects are in none of them)."""
    return any(o is obj for o in gc.get_objects())


def test_a_loaded_index_is_frozen_and_a_reload_frees_the_old_one(
    backend: Backend, freeze_small: None
) -> None:
    with session_scope(backend.sessions) as session:
        first = create(session, "gc-first", "保育所一覧")
    first_db = restart(backend)
    assert first_db.index is not None
    assert not _tracked(first_db.index)
    assert same(backend, "保育").ids == [first]

    old = weakref.ref(first_db.index.vocabulary)
    with session_scope(backend.sessions) as session:
        second = create(session, "gc-second", "認可保育所の空き状況")
    del first_db
    second_db = restart(backend)
    assert old() is None  # the replaced index was freed, not kept frozen
    assert second_db.index is not None
    assert not _tracked(second_db.index)
    assert set(same(backend, "保育").ids) == {first, second}


def test_a_small_index_is_left_to_the_collector(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        create(session, "gc-small", "保育所一覧")
    db = restart(backend)
    assert db.index is not None
    assert _tracked(db.index)


def test_a_reload_below_the_limit_unfreezes_what_the_last_load_froze(
    backend: Backend, freeze_small: None
) -> None:
    with session_scope(backend.sessions) as session:
        create(session, "gc-shrink", "保育所一覧")
    first_db = restart(backend)
    assert gc.get_freeze_count() > 0
    old = weakref.ref(first_db.index.vocabulary) if first_db.index is not None else None
    del first_db
    memory.configure(freeze_min_docs=1_000_000)  # as a catalogue that shrank under the limit
    second_db = restart(backend)
    assert gc.get_freeze_count() == 0
    assert old is not None and old() is None
    assert second_db.index is not None and _tracked(second_db.index)
