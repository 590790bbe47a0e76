"""The memory index starts from a snapshot file, and answers exactly as after a full load.

What a user would notice if it did not: a dataset created, changed or deleted after the
snapshot was written missing, stale or still found after a restart; wrong facet counts; an
old snapshot (another database, an older rebuild, a damaged file) served as if current.
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from app.accounts.actor import SYSTEM
from app.cli import cli
from app.config import get_settings
from app.datasets import service as datasets
from app.datasets.schemas import DatasetPatch, ResourceIn
from app.db import session_scope
from app.models.search import SearchDoc, SearchSource
from app.search import memory
from app.search import repository as search_repo
from app.search.memory import registry, snapshot
from app.search.service import reindex
from tests.conftest import Backend
from tests.search.corpus import CATEGORIES, FORMATS, ORGS, TAGS, TITLE_HEADS
from tests.search.test_memory_index import create, same, search

QUERIES = ["", "避難", "保育", "川", "AED", "一覧", "指定避難", "人口 -推計", "所"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def snap(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "index.snapshot"
    memory.configure(snapshot=str(path))
    try:
        yield path
    finally:
        memory.configure(snapshot="", snapshot_min_docs=10_000, snapshot_every=20_000, wait=True)


def restart(backend: Backend) -> registry._Database:
    """Forget this process's memory index of the database and load it as a starting
    `catalog serve` process does (in the background; waited for here)."""
    registry._databases.pop(backend.engine.url.render_as_string(hide_password=False), None)
    memory.configure(wait=False)
    try:
        memory.warm(backend.engine)
        db = registry._database(backend.engine)
        loading = db.loading  # None once it has finished
        if loading is not None:
            loading.join(timeout=120)
    finally:
        memory.configure(wait=True)
    assert db.index is not None
    return db


def answers(backend: Backend) -> list[tuple[int, list[str], object]]:
    """Every query's count, ids in order and facets, answered by the memory index and
    checked against the database's answer."""
    out = []
    for q in QUERIES:
        result = same(backend, q)
        out.append((result.count, result.ids, result.facets))
    return out


def populate(backend: Backend, n: int, rnd: random.Random, prefix: str) -> list[str]:
    ids = []
    for k in range(n):
        with session_scope(backend.sessions) as session:
            ids.append(
                create(
                    session,
                    f"{prefix}-{k}",
                    rnd.choice(TITLE_HEADS),
                    owner_org=rnd.choice(ORGS),
                    tags=rnd.sample(TAGS, rnd.randint(0, 3)),
                    categories=rnd.sample(CATEGORIES, rnd.randint(0, 2)),
                    resources=[ResourceIn(url=f"https://x.jp/{k}", format=rnd.choice(FORMATS))],
                )
            )
    return ids


def write_snapshot(backend: Backend) -> int:
    path, _documents, size = registry.write_snapshot(backend.engine)
    assert size is not None and path.exists()
    header = snapshot.peek(path)
    assert header is not None
    return int(header["generation"])


def test_snapshot_then_later_writes_answer_like_a_full_load(backend: Backend, snap: Path) -> None:
    rnd = random.Random(11)
    live = populate(backend, 24, rnd, "s")
    written_at = write_snapshot(backend)
    # After the snapshot: creates, edits of text, tags, privacy and state, deletions.
    live += populate(backend, 6, rnd, "late")
    for ds in rnd.sample(live, 8):
        with session_scope(backend.sessions) as session:
            patch = DatasetPatch(
                title=rnd.choice(TITLE_HEADS),
                tags=rnd.sample(TAGS, rnd.randint(0, 2)),
                private=rnd.random() < 0.3,
                state="draft" if rnd.random() < 0.2 else "active",
            )
            datasets.update_dataset(session, SYSTEM, ds, patch, mode="patch")
    for ds in rnd.sample(live, 4):
        with session_scope(backend.sessions) as session:
            datasets.delete_dataset(session, SYSTEM, ds)
    with session_scope(backend.sessions) as session:
        state = search_repo.state(session)
    assert state is not None and state[1] > written_at

    db = restart(backend)
    assert db.source == "snapshot", db.snapshot_note
    assert db.snapshot_generation == written_at
    assert db.index is not None and db.index.generation == state[1]
    from_snapshot = answers(backend)

    memory.configure(snapshot="off")
    assert restart(backend).source == "database"
    assert answers(backend) == from_snapshot
    assert from_snapshot[0][0] > 0


def test_a_rebuild_makes_the_old_snapshot_ignored(backend: Backend, snap: Path) -> None:
    populate(backend, 5, random.Random(2), "e")
    write_snapshot(backend)
    with session_scope(backend.sessions) as session:
        reindex(session)  # a new epoch: new doc ids
    db = restart(backend)
    assert db.source == "database"
    assert "older index epoch" in (db.snapshot_note or "")
    answers(backend)


def _rewrite_header(data: bytes, **changes: object) -> bytes:
    """The snapshot with header fields changed and its checksum made to match again."""
    size, _crc = struct.unpack_from("<II", data, len(data) - 16)
    start = len(data) - 16 - size
    header = {**orjson.loads(data[start : start + size]), **changes}
    raw = orjson.dumps(header)
    return data[:start] + raw + struct.pack("<II", len(raw), zlib.crc32(raw)) + data[-8:]


DAMAGE = {
    "a flipped byte": (
        lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:],
        "body checksum mismatch",
    ),
    "truncated": (lambda data: data[: len(data) // 2], "magic bytes"),
    "another database": (
        lambda data: _rewrite_header(data, database="0123456789abcdef"),
        "another database",
    ),
    "a newer format": (lambda data: _rewrite_header(data, format=2), "format 2"),
    "not a snapshot": (lambda data: b"\x80\x04\x95" + b"\0" * 64 + b".", "magic bytes"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_or_foreign_snapshot_is_ignored(
    backend: Backend, snap: Path, damage: str
) -> None:
    populate(backend, 5, random.Random(3), "d")
    write_snapshot(backend)
    spoil, reason = DAMAGE[damage]
    snap.write_bytes(spoil(snap.read_bytes()))
    db = restart(backend)
    assert db.source == "database"
    assert reason in (db.snapshot_note or ""), db.snapshot_note
    answers(backend)


def test_a_snapshot_that_disagrees_with_the_database_is_ignored(
    backend: Backend, snap: Path
) -> None:
    """As after restoring the database from an older backup: same epoch, but a document
    the snapshot holds is gone without a trace in the index's change log."""
    ids = populate(backend, 5, random.Random(4), "r")
    write_snapshot(backend)
    with session_scope(backend.sessions) as session:
        doc = session.scalar(select(SearchDoc.doc_id).where(SearchDoc.dataset_id == ids[0]))
        session.execute(delete(SearchSource).where(SearchSource.doc_id == doc))
        session.execute(delete(SearchDoc).where(SearchDoc.doc_id == doc))
    db = restart(backend)
    assert db.source == "database"
    assert "disagree" in (db.snapshot_note or "")
    assert db.index is not None and len(db.index) == 4


def test_a_served_process_checkpoints_after_loading_and_as_it_advances(
    backend: Backend, snap: Path
) -> None:
    rnd = random.Random(5)
    populate(backend, 4, rnd, "c")
    memory.configure(snapshot_min_docs=1, snapshot_every=3)
    db = restart(backend)  # no file: a full load, then the checkpoint
    assert db.source == "database"
    first = snapshot.peek(snap)
    assert first is not None and db.index is not None
    assert first["generation"] == db.index.generation and first["documents"] == 4
    populate(backend, 3, rnd, "c2")  # three generations on
    memory.configure(wait=False)
    try:
        search(backend, "", engine="memory")  # catches up, then starts the checkpoint
        thread = next(
            (t for t in registry.threading.enumerate() if t.name.endswith("snapshot")), None
        )
        if thread is not None:
            thread.join(timeout=60)
    finally:
        memory.configure(wait=True)
    second = snapshot.peek(snap)
    assert second is not None and second["generation"] == first["generation"] + 3
    assert second["documents"] == 7
    assert restart(backend).source == "snapshot"
    answers(backend)


def test_the_commands_write_snapshots_another_process_starts_from(
    backend: Backend, snap: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(backend, 3, random.Random(6), "cli")
    monkeypatch.setenv("CATALOG_DATABASE_URL", backend.url)
    monkeypatch.setenv("CATALOG_SEARCH_SNAPSHOT", str(snap))
    get_settings.cache_clear()
    try:
        made = CliRunner().invoke(cli, ["search", "snapshot"])
        assert made.exit_code == 0, made.output
        assert "snapshot of 3 documents written" in made.output
        again = CliRunner().invoke(cli, ["search", "snapshot"])
        assert "already up to date" in again.output
        memory.configure(snapshot_min_docs=1)
        rebuilt = CliRunner().invoke(cli, ["search", "reindex"])
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "snapshot of 3 documents written" in rebuilt.output
    finally:
        get_settings.cache_clear()
    with session_scope(backend.sessions) as session:
        state = search_repo.state(session)
    header = snapshot.peek(snap)
    assert header is not None and state is not None and header["epoch"] == state[0]

    starter = (
        "import os\n"
        "from app.db import make_engine\n"
        "from app.search import memory\n"
        "from app.search.memory import registry\n"
        "engine = make_engine(os.environ['CATALOG_DATABASE_URL'])\n"
        "memory.configure(wait=False, snapshot=os.environ['CATALOG_SEARCH_SNAPSHOT'])\n"
        "memory.warm(engine)\n"
        "db = registry._database(engine)\n"
        "loading = db.loading\n"
        "if loading is not None: loading.join(timeout=120)\n"
        "print(db.source, len(db.index))\n"
    )
    env = {**os.environ, "CATALOG_DATABASE_URL": backend.url, "CATALOG_SEARCH_SNAPSHOT": str(snap)}
    started = subprocess.run(
        [sys.executable, "-c", starter], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["snapshot", "3"]
