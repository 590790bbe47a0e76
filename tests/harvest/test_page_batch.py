"""Issue 11 "Writes in bulk": a harvest page writes its history, feed entries, search index
and read model in bulk at its end. What a user must not notice: a bad record loses or
duplicates no other, a re-run writes nothing, and a page the database fails in the middle of
is all or nothing (the next run imports everything once).

Failures are real database errors from triggers (SQLite and PostgreSQL), no mocks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from app.changes import service as changes
from app.db import session_scope
from app.models import Dataset, DatasetActivity, DatasetRendering, HarvestRecord
from app.models.search import SearchDoc
from app.search import repository as search_repo
from tests.conftest import Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source, report, run, stats
from tests.harvest.servers import FixtureServer

ROWS = 4  # the 8 fixture packages come in two pages


@pytest.fixture
def portal(http_server: FixtureServer) -> CkanPortal:
    return CkanPortal(http_server)


@contextmanager
def failing_insert(backend: Backend, table: str, name: str, *, integrity: bool) -> Iterator[None]:
    """A trigger that makes inserting `name`'s row into `table` fail: with a constraint
    error (IntegrityError) or with another database error (not a conflict, not transient)."""
    with backend.engine.begin() as conn:
        if backend.name == "sqlite":
            fail = "SELECT RAISE(ABORT, 'refused by test')" if integrity else "SELECT json('x')"
            conn.execute(
                text(
                    f"CREATE TRIGGER test_fail BEFORE INSERT ON {table} "
                    f"WHEN NEW.name = '{name}' BEGIN {fail}; END"
                )
            )
        else:
            code = "unique_violation" if integrity else "raise_exception"
            conn.execute(
                text(
                    "CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF NEW.name = '{name}' THEN RAISE EXCEPTION 'refused by test' "
                    f"USING ERRCODE = '{code}'; END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    f"CREATE TRIGGER test_fail BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION test_fail()"
                )
            )
    try:
        yield
    finally:
        with backend.engine.begin() as conn:
            if backend.name == "sqlite":
                conn.execute(text("DROP TRIGGER test_fail"))
            else:
                conn.execute(text(f"DROP TRIGGER test_fail ON {table}"))
                conn.execute(text("DROP FUNCTION test_fail()"))


def written(backend: Backend) -> dict[str, object]:
    """Per dataset name: how many history rows; and how many rows each bulk-written table has."""
    with session_scope(backend.sessions) as session:
        names = Counter(session.scalars(select(DatasetActivity.dataset_name)))

        def count(model: type) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        feed = changes.changes_since(session, None, limit=1000).changes
        return {
            "activities": dict(names),
            "datasets": count(Dataset),
            "renderings": count(DatasetRendering),
            "search_docs": count(SearchDoc),
            "records": count(HarvestRecord),
            "feed": sorted(c.name for c in feed),
            "generation": (search_repo.state(session) or (0, 0))[1],
        }


def _all_once(backend: Backend, portal: CkanPortal) -> None:
    got = written(backend)
    names = sorted(p["name"] for p in portal.packages.values())
    assert got["activities"] == dict.fromkeys(names, 1)
    assert got["feed"] == names
    for table in ("datasets", "renderings", "search_docs", "records"):
        assert got[table] == len(names), table


def test_a_bad_record_among_good_ones(backend: Backend, portal: CkanPortal) -> None:
    add_source(backend, "sapporo-portal", portal.url, rows=ROWS)
    with failing_insert(backend, "dataset", "sapporo-wifi", integrity=True):
        job = run(backend, "sapporo-portal")
    assert job.status == "finished" and stats(job) == {"added": 7, "errored": 1}
    bad = [r for r in report(backend, job.id).records if r.status == "errored"]
    wifi = next(p["id"] for p in portal.packages.values() if p["name"] == "sapporo-wifi")
    assert [r.remote_key for r in bad] == [wifi]
    got = written(backend)
    assert "sapporo-wifi" not in got["activities"]
    assert set(got["activities"].values()) == {1} and len(got["activities"]) == 7
    assert got["datasets"] == got["renderings"] == got["search_docs"] == 7
    # Fixed at the source's end (here: the trigger is gone): the next run adds it, once.
    again = run(backend, "sapporo-portal", full=True)
    assert stats(again) == {"added": 1, "unchanged": 7}
    _all_once(backend, portal)


def test_a_rerun_of_the_same_pages_writes_nothing(backend: Backend, portal: CkanPortal) -> None:
    add_source(backend, "sapporo-portal", portal.url, rows=ROWS)
    assert stats(run(backend, "sapporo-portal")) == {"added": 8}
    before = written(backend)
    assert stats(run(backend, "sapporo-portal", full=True)) == {"unchanged": 8}
    assert written(backend) == before  # no revision, no feed entry, no index generation
    _all_once(backend, portal)


def test_one_search_generation_per_page(backend: Backend, portal: CkanPortal) -> None:
    add_source(backend, "sapporo-portal", portal.url, rows=ROWS)
    start = written(backend)["generation"]
    assert stats(run(backend, "sapporo-portal")) == {"added": 8}
    assert written(backend)["generation"] == int(start) + 2  # type: ignore[call-overload]
    with session_scope(backend.sessions) as session:
        generations = Counter(session.scalars(select(SearchDoc.generation)))
    assert sorted(generations.values()) == [ROWS, ROWS]


def test_a_page_the_database_fails_mid_way_is_all_or_nothing(
    backend: Backend, portal: CkanPortal
) -> None:
    add_source(backend, "sapporo-portal", portal.url, rows=ROWS)
    # The 7th record's read-model row is written in the second page's bulk write.
    with failing_insert(backend, "dataset_rendering", "sapporo-jinko", integrity=False):
        job = run(backend, "sapporo-portal")
    assert job.status == "failed" and "dataset_rendering" in job.message
    got = written(backend)
    assert got["datasets"] == got["renderings"] == got["search_docs"] == got["records"] == ROWS
    assert set(got["activities"].values()) == {1} and len(got["activities"]) == ROWS
    again = run(backend, "sapporo-portal", full=True)
    assert again.status == "finished" and stats(again) == {"added": ROWS, "unchanged": ROWS}
    _all_once(backend, portal)


def test_a_conflict_in_the_bulk_write_falls_back_to_record_by_record(
    backend: Backend, portal: CkanPortal
) -> None:
    add_source(backend, "sapporo-portal", portal.url, rows=ROWS)
    with failing_insert(backend, "dataset_rendering", "sapporo-jinko", integrity=True):
        job = run(backend, "sapporo-portal")
    assert job.status == "finished" and stats(job) == {"added": 7, "errored": 1}
    got = written(backend)
    assert "sapporo-jinko" not in got["activities"]
    assert set(got["activities"].values()) == {1} and len(got["activities"]) == 7
    assert got["datasets"] == got["renderings"] == got["search_docs"] == 7
    again = run(backend, "sapporo-portal", full=True)
    assert stats(again) == {"added": 1, "unchanged": 7}
    _all_once(backend, portal)
