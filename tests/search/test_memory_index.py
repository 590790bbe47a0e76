"""The in-memory index stays exactly in step with the database, on both databases.

What a user would notice if it did not: a dataset created, changed or deleted in one request
(or by another process: a harvester, a second web worker) missing, stale or still present in
the next search; wrong facet counts after many edits; a rebuild that leaves old results.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts.actor import ANONYMOUS, SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate, DatasetPatch, ResourceIn
from app.db import session_scope
from app.models.search import SearchDoc, SearchSource
from app.search import memory
from app.search import repository as search_repo
from app.search.memory import index as memory_index
from app.search.memory import registry
from app.search.params import SearchParams, SearchResult
from app.search.service import reindex, search_datasets
from tests.conftest import Backend
from tests.search.corpus import CATEGORIES, FORMATS, ORGS, TAGS, TITLE_HEADS

FACETS = ["organization", "tags", "res_format", "groups", "license_id"]
ROOT = Path(__file__).resolve().parents[2]


def search(backend: Backend, q: str, *, engine: str, **kw: object) -> SearchResult:
    """One search in a new session, answered by `engine` (asserted)."""
    memory.configure(enabled=engine == "memory")
    before = memory.served["memory"]
    try:
        with session_scope(backend.sessions) as session:
            params = SearchParams(q=q, rows=1000, facet_fields=FACETS, facet_limit=-1, **kw)  # type: ignore[arg-type]
            result = search_datasets(session, ANONYMOUS, params)
    finally:
        memory.configure(enabled=True)
    assert memory.served["memory"] - before == int(engine == "memory"), engine
    return result


def same(backend: Backend, q: str) -> SearchResult:
    """The memory and database answers to `q`, asserted equal (ids in order, facets)."""
    mem = search(backend, q, engine="memory")
    db = search(backend, q, engine="database")
    assert (mem.count, mem.ids, mem.facets) == (db.count, db.ids, db.facets), q
    return mem


def create(session: Session, name: str, title: str, **kw: object) -> str:
    fields: dict[str, object] = {"owner_org": "011002", **kw}
    data = DatasetCreate(name=name, title=title, **fields)  # type: ignore[arg-type]
    return datasets.create_dataset(session, SYSTEM, data).id


def test_commits_of_other_sessions_show_in_the_next_search(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        first = create(session, "m-first", "保育所一覧")
    assert same(backend, "保育").ids == [first]  # loads the memory index
    with session_scope(backend.sessions) as session:
        second = create(session, "m-second", "認可保育所の空き状況", tags=["子育て"])
    assert set(same(backend, "保育").ids) == {first, second}
    with session_scope(backend.sessions) as session:
        datasets.update_dataset(session, SYSTEM, first, DatasetPatch(title="避難所"), mode="patch")
    assert same(backend, "保育").ids == [second]
    assert same(backend, "避難所").ids == [first]
    with session_scope(backend.sessions) as session:
        datasets.update_dataset(session, SYSTEM, second, DatasetPatch(private=True), mode="patch")
    assert same(backend, "保育").ids == []
    with session_scope(backend.sessions) as session:
        datasets.delete_dataset(session, SYSTEM, first)
    assert same(backend, "避難所").count == 0
    assert memory.served["memory"] > 0


def test_writes_of_another_process_show_in_the_next_search(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        create(session, "m-local", "観光施設一覧")
    assert same(backend, "観光").count == 1  # this process has loaded its memory index
    writer = (
        "from app.accounts.actor import SYSTEM\n"
        "from app.datasets import service\n"
        "from app.datasets.schemas import DatasetCreate\n"
        "from app.db import make_engine, make_sessionmaker, session_scope\n"
        "import os\n"
        "sessions = make_sessionmaker(make_engine(os.environ['CATALOG_DATABASE_URL']))\n"
        "with session_scope(sessions) as s:\n"
        "    d = service.create_dataset(s, SYSTEM, DatasetCreate(\n"
        "        name='m-remote', title='観光案内所', owner_org='131016'))\n"
        "    print(d.id)\n"
    )
    env = {**os.environ, "CATALOG_DATABASE_URL": backend.url}
    done = subprocess.run(
        [sys.executable, "-c", writer], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    remote = done.stdout.strip()
    result = same(backend, "観光")
    assert result.count == 2 and remote in result.ids
    assert dict(result.facets["organization"]) == {"011002": 1, "131016": 1}


def test_a_session_with_uncommitted_index_writes_searches_the_database(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        create(session, "m-old", "人口推計")
    same(backend, "人口")
    with backend.sessions() as session:
        fresh = create(session, "m-new", "人口統計")
        before = memory.served["memory"]
        found = search_datasets(session, ANONYMOUS, SearchParams(q="人口"))
        assert fresh in found.ids and found.count == 2
        assert memory.served["memory"] == before, "memory cannot see uncommitted writes"
        session.rollback()
        # Rolled back: the index is as before, and memory answers again.
        assert search_datasets(session, ANONYMOUS, SearchParams(q="人口")).count == 1
        assert memory.served["memory"] == before + 1
    assert same(backend, "人口").count == 1


def test_a_rebuild_starts_a_new_epoch(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        ds = create(session, "m-rebuild", "公衆トイレ一覧")
    same(backend, "トイレ")
    with session_scope(backend.sessions) as session:
        epoch = search_repo.state(session)
        reindex(session)
    with session_scope(backend.sessions) as session:
        assert search_repo.state(session) != epoch
    # New doc ids after the rebuild: the old memory index must not answer.
    assert same(backend, "トイレ").ids == [ds]


def test_missing_index_tokens_leave_the_search_to_the_database(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        ds = create(session, "m-old-pg", "文化財一覧")
        # As on a PostgreSQL index built before search_source was kept there.
        session.execute(delete(SearchSource))
        search_repo.next_generation(session, new_epoch=True)
    result = search(backend, "文化財", engine="database")
    assert result.ids == [ds]
    memory.configure(enabled=True)
    before = memory.served["memory"]
    with session_scope(backend.sessions) as session:
        assert search_datasets(session, ANONYMOUS, SearchParams(q="文化財")).ids == [ds]
    assert memory.served["memory"] == before, "incomplete tokens: memory must stay off"
    with session_scope(backend.sessions) as session:
        reindex(session)
    assert same(backend, "文化財").ids == [ds]


def test_background_warm_then_memory_answers(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        ds = create(session, "m-warm", "図書館一覧")
        search_repo.next_generation(session, new_epoch=True)  # forget any loaded index
    memory.configure(wait=False)
    try:
        with session_scope(backend.sessions) as session:
            # Not loaded: the database answers, and the load starts in the background.
            assert search_datasets(session, ANONYMOUS, SearchParams(q="図書館")).ids == [ds]
        db = registry._database(backend.engine)
        if db.loading is not None:
            db.loading.join(timeout=60)
        before = memory.served["memory"]
        with session_scope(backend.sessions) as session:
            assert search_datasets(session, ANONYMOUS, SearchParams(q="図書館")).ids == [ds]
        assert memory.served["memory"] == before + 1
    finally:
        memory.configure(wait=True)


def test_random_edits_keep_memory_and_database_identical(backend: Backend) -> None:
    """Creates, edits (text, privacy, state, resources, tags) and deletes in many
    transactions; after each, memory and database give the same ids, order and facets."""
    rnd = random.Random(5)
    live: list[str] = []
    queries = ["避難", "保育", "川", "AED", "一覧", "指定避難", "人口 -推計", "", "所"]
    for step in range(40):
        with session_scope(backend.sessions) as session:
            action = rnd.random()
            if action < 0.45 or len(live) < 3:
                live.append(
                    create(
                        session,
                        f"rnd-{step}",
                        rnd.choice(TITLE_HEADS),
                        owner_org=rnd.choice(ORGS),
                        tags=rnd.sample(TAGS, rnd.randint(0, 3)),
                        categories=rnd.sample(CATEGORIES, rnd.randint(0, 2)),
                        resources=[
                            ResourceIn(url=f"https://x.jp/{step}", format=rnd.choice(FORMATS))
                        ],
                    )
                )
            elif action < 0.85:
                patch = DatasetPatch(
                    title=rnd.choice(TITLE_HEADS),
                    tags=rnd.sample(TAGS, rnd.randint(0, 2)),
                    private=rnd.random() < 0.2,
                    state="draft" if rnd.random() < 0.1 else "active",
                )
                datasets.update_dataset(session, SYSTEM, rnd.choice(live), patch, mode="patch")
            else:
                datasets.delete_dataset(session, SYSTEM, live.pop(rnd.randrange(len(live))))
        if step % 4 == 3:
            for q in queries:
                same(backend, q)
    with session_scope(backend.sessions) as session:
        indexed = session.scalar(select(func.count()).select_from(SearchDoc))
    assert same(backend, "").count <= len(live) == indexed


def test_facet_counts_survive_many_updates_of_one_dataset(backend: Backend) -> None:
    """Multi-valued facets strand old entries on every update and compact them later."""
    with session_scope(backend.sessions) as session:
        ds = create(session, "m-churn", "河川水位", tags=["河川"])
    same(backend, "河川")
    for k in range(30):
        with session_scope(backend.sessions) as session:
            tags = ["河川", TAGS[k % len(TAGS)]]
            datasets.update_dataset(session, SYSTEM, ds, DatasetPatch(tags=tags), mode="patch")
        result = same(backend, "河川")
        assert dict(result.facets["tags"]) == {t: 1 for t in set(tags)}


def test_too_many_tokens_leave_the_search_to_the_database(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(backend.sessions) as session:
        ds = create(session, "m-vocab", "指定緊急避難場所一覧")
        search_repo.next_generation(session, new_epoch=True)
    monkeypatch.setattr(memory_index, "_MAX_ID", 5)  # a vocabulary this small overflows
    before = memory.served["memory"]
    with session_scope(backend.sessions) as session:
        assert search_datasets(session, ANONYMOUS, SearchParams(q="避難")).ids == [ds]
    assert memory.served["memory"] == before


def test_a_large_backlog_is_caught_up_in_the_background(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(backend.sessions) as session:
        create(session, "m-before", "観光統計")
    same(backend, "観光")  # loaded
    for k in range(3):  # three commits: three generations behind
        with session_scope(backend.sessions) as session:
            create(session, f"m-bulk-{k}", "観光施設一覧")
    monkeypatch.setattr(registry, "CATCH_UP_IN_SEARCH", 2)
    memory.configure(wait=False)
    try:
        before = memory.served["memory"]
        with session_scope(backend.sessions) as session:
            # Too far behind: the database answers, the catch-up starts in the background.
            assert search_datasets(session, ANONYMOUS, SearchParams(q="観光")).count == 4
        assert memory.served["memory"] == before
        db = registry._database(backend.engine)
        for _ in range(600):
            if not db.catching_up:
                break
            time.sleep(0.05)
        with session_scope(backend.sessions) as session:
            assert search_datasets(session, ANONYMOUS, SearchParams(q="観光")).count == 4
        assert memory.served["memory"] == before + 1
    finally:
        memory.configure(wait=True)


def test_searches_in_threads_while_writes_commit(backend: Backend) -> None:
    """Web workers search in threads while other requests write: no errors, and every
    answer is a state the index was in (the count only grows as datasets are added)."""
    with session_scope(backend.sessions) as session:
        create(session, "m-thread-0", "河川水位観測")
    same(backend, "河川")
    errors: list[BaseException] = []
    seen: list[list[int]] = [[] for _ in range(3)]
    done = threading.Event()

    def searcher(k: int) -> None:
        try:
            while not done.is_set():
                with session_scope(backend.sessions) as session:
                    found = search_datasets(session, ANONYMOUS, SearchParams(q="河川"))
                seen[k].append(found.count)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=searcher, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    try:
        for i in range(1, 13):
            with session_scope(backend.sessions) as session:
                create(session, f"m-thread-{i}", "一級河川 水位")
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    for counts in seen:
        assert counts and counts == sorted(counts), counts
    assert same(backend, "河川").count == 13
