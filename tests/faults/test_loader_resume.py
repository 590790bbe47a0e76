"""The memory-index loader resumes where it stopped when the database goes away (issue 16).

Batch by batch on PostgreSQL: the server is stopped between two batches, the next batch
fails with a connection error, and once the server is back the load goes on from the last
row it has: every row is read once, and the loaded index holds what a clean load holds.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import session_scope
from app.faults.classify import transient
from app.models.search import SearchDoc
from app.search.memory.loader import begin, load, step
from tests.conftest import Backend
from tests.pg_cluster import Cluster
from tests.search.corpus import make_corpus


def test_a_load_cut_off_by_a_server_stop_resumes_from_its_last_row(
    backend: Backend, pg_cluster: Cluster
) -> None:
    if backend.name != "postgresql":
        pytest.skip("stops the PostgreSQL server")
    with session_scope(backend.sessions) as session:
        make_corpus(session, 60)
        total = session.scalar(select(func.count()).select_from(SearchDoc))

    def sessions() -> Session:
        return Session(bind=backend.engine)

    loading = begin(sessions)
    assert loading is not None and loading.total == total
    for _ in range(3):
        assert not step(sessions, loading, 10)
    last, done = loading.last, loading.done
    pg_cluster.stop_server()
    try:
        with pytest.raises(Exception) as failure:
            step(sessions, loading, 10)
        assert transient(failure.value) == "connection"
        assert (loading.last, loading.done) == (last, done)  # nothing half-applied
    finally:
        pg_cluster.start_server()
    while not step(sessions, loading, 10):
        pass
    assert loading.done == total  # each row read once: resumed, not started over
    clean = load(sessions, batch=10)
    assert clean is not None
    assert sorted(loading.index.dataset_ids.values()) == sorted(clean.dataset_ids.values())
    with session_scope(backend.sessions) as session:
        in_db = sorted(session.scalars(select(SearchDoc.dataset_id)))
    assert sorted(loading.index.dataset_ids.values()) == in_db
