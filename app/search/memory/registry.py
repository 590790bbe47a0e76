"""One memory index per database per process: loading, catching up, and when not to use it.

A search uses the memory index only when it reflects exactly what the search's session
sees:

* it catches up first, reading `search_state` in the search's own transaction;
* a session that has written to the index and not committed yet searches the database
  (its writes are not in the memory index, and may still roll back);
* until a first load has finished (in the background for a served app; `wait` loads in
  the caller instead), and after a load failed, the database answers.

The background load reads in batches, each in a short transaction of its own; when a batch
fails (a locked SQLite file, a lost PostgreSQL connection) the loader logs it, backs off
with jitter and goes on from the last row it has, never from the start. Its state (rows
loaded, failures, last error) and the index's lag in generations are in `status`, which
`/readyz` shows.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.faults.classify import transient
from app.faults.loops import Backoff, LoopState
from app.search import repository as repo
from app.search.memory import snapshot
from app.search.memory.index import MemoryIndex, VocabularyFull
from app.search.memory.loader import (
    EpochChanged,
    Loading,
    SessionFor,
    SourceMissing,
    apply_changes,
    begin,
    catch_up,
    fingerprint,
    index_fingerprint,
    load,
    read_changes,
    step,
)

log = logging.getLogger(__name__)


@dataclass
class _Database:
    lock: threading.Lock = field(default_factory=threading.Lock)
    index: MemoryIndex | None = None
    loading: threading.Thread | None = None
    # The epoch a load failed for (SourceMissing, VocabularyFull): not retried until a
    # rebuild starts a new epoch.
    failed_epoch: int | None = None
    failure: str | None = None
    # A large catch-up runs in the background; the database answers until it is done.
    catching_up: bool = False
    # The background load so far, kept across failures so that it resumes where it stopped.
    progress: Loading | None = None
    # A retry costs one small query: back off to at most 5 s, so the index is ready soon
    # after the database is.
    loader: LoopState = field(
        default_factory=lambda: LoopState("search-memory-loader", Backoff(0.25, 5.0))
    )
    catcher: LoopState = field(default_factory=lambda: LoopState("search-memory-catch-up"))
    # monotonic time before which no new background catch-up starts (after a failure)
    catch_up_after: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    # Where the index came from ("snapshot" or "database"), the generation of the snapshot
    # this process last read or wrote, and whether a checkpoint is being written.
    source: str | None = None
    snapshot_generation: int = -1
    snapshotting: bool = False
    snapshot_note: str | None = None


@dataclass
class Options:
    enabled: bool = True
    # Load in the searching thread (tests, the bench, the CLI) instead of in the background.
    wait: bool = True
    # Rows per read transaction of a load.
    batch: int = 2000
    # The snapshot file (snapshot.default_path: "" = next to the SQLite file / under ./var/,
    # "off" = none). A served process (wait=False) writes one when a full load from the
    # database finishes, and again each time its index has advanced `snapshot_every`
    # generations past the last one, when the index holds at least `snapshot_min_docs`
    # documents (below that a full load takes about a second). Catching up costs about what
    # loading costs per row, so the catch-up after a snapshot stays under ~20,000 rows.
    snapshot: str = ""
    snapshot_min_docs: int = 10_000
    snapshot_every: int = 20_000
    # From this many documents up, a loaded index is frozen out of the cyclic garbage
    # collector (`_install` says why).
    freeze_min_docs: int = 20_000


options = Options()
# More index writes than this behind (a harvest, a bulk import): catching up inside a search
# would hold it (and the searches queued behind it) for seconds, so a served app catches up
# in the background while the database answers.
CATCH_UP_IN_SEARCH = 2000
# Times a search reads the writes it must see and finds the index moved by another search
# before it could apply them; then the database answers it.
CATCH_UP_ATTEMPTS = 3
_databases: dict[str, _Database] = {}
_databases_lock = threading.Lock()


def configure(
    *,
    enabled: bool | None = None,
    wait: bool | None = None,
    batch: int | None = None,
    snapshot: str | None = None,
    snapshot_min_docs: int | None = None,
    snapshot_every: int | None = None,
    freeze_min_docs: int | None = None,
) -> None:
    if enabled is not None:
        options.enabled = enabled
    if wait is not None:
        options.wait = wait
    if batch is not None:
        options.batch = batch
    if snapshot is not None:
        options.snapshot = snapshot
    if snapshot_min_docs is not None:
        options.snapshot_min_docs = snapshot_min_docs
    if snapshot_every is not None:
        options.snapshot_every = snapshot_every
    if freeze_min_docs is not None:
        options.freeze_min_docs = freeze_min_docs


def snapshot_path(engine: Engine) -> Path | None:
    """The snapshot file of `engine`'s database (None: snapshots are off for it)."""
    return snapshot.default_path(options.snapshot, engine.url)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(repo.INDEX_WRITTEN, None)


def written(session: Session) -> bool:
    """The session wrote to the index (`repository.next_generation`) and has not committed
    or rolled back since: its view differs from the committed one the memory index holds."""
    return bool(session.info.get(repo.INDEX_WRITTEN))


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _database(engine: Engine) -> _Database:
    key = engine.url.render_as_string(hide_password=False)
    with _databases_lock:
        db = _databases.get(key)
        if db is None:
            db = _databases[key] = _Database()
        return db


def _new_sessions(engine: Engine) -> SessionFor:
    return lambda: Session(bind=engine)


def _same_session(session: Session) -> SessionFor:
    # The caller's transaction: on SQLite a second one would wait for its write lock.
    return lambda: nullcontext(session)


def _consistent_sessions(engine: Engine) -> SessionFor:
    """Sessions whose reads all see one moment: the catch-up and the check after a snapshot
    load must agree (SQLite's transactions always do; PostgreSQL's default does not)."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return _new_sessions(engine)


def _from_snapshot(db: _Database, engine: Engine, sessions: SessionFor) -> MemoryIndex | None:
    """The index from the snapshot file, caught up and checked against the database; None
    (and a log line saying why) when there is none or it is unusable: load in full then."""
    path = snapshot_path(engine)
    if path is None:
        return None
    if not path.exists():
        db.snapshot_note = f"no snapshot at {path}"
        log.info("search: no memory-index snapshot at %s: loading from the database", path)
        return None
    started = time.perf_counter()
    try:
        with sessions() as session:
            state = repo.state(session)
            if state is None:
                return None
            index = snapshot.read(path, snapshot.database_identity(engine.url), *state)
            stored = index.generation
            catch_up(session, index, state[1])
            if fingerprint(session) != index_fingerprint(index):
                raise snapshot.SnapshotInvalid(
                    "its documents disagree with the database's after catching up"
                )
    except (snapshot.SnapshotInvalid, OSError, VocabularyFull) as exc:
        db.snapshot_note = f"snapshot {path} ignored: {exc}"
        log.warning(
            "search: memory-index snapshot %s ignored (%s): loading from the database", path, exc
        )
        return None
    db.snapshot_generation = stored
    db.snapshot_note = f"loaded from {path} at generation {stored}"
    log.info(
        "search: memory index loaded from snapshot %s (%d documents, generation %d caught up "
        "to %d) in %.1f s",
        path,
        len(index),
        stored,
        index.generation,
        time.perf_counter() - started,
    )
    return index


def checkpoint(db: _Database, engine: Engine, index: MemoryIndex, *, locked: bool) -> int | None:
    """Write `index` to the snapshot file, unless another process is writing it or has
    written one as recent; returns the bytes written (None: not written). `locked`: take
    `db.lock` while reading the index (it is shared with searches)."""
    path = snapshot_path(engine)
    if path is None:
        return None
    database = snapshot.database_identity(engine.url)
    with snapshot.exclusive(path) as mine:
        if not mine:
            return None
        head = snapshot.peek(path)
        if (
            head is not None
            and head.get("database") == database
            and head.get("epoch") == index.epoch
            and isinstance(head.get("generation"), int)
            and head["generation"] >= index.generation
        ):
            db.snapshot_generation = max(db.snapshot_generation, head["generation"])
            return None  # another worker wrote this generation or a later one
        started = time.perf_counter()
        with db.lock if locked else nullcontext():
            generation, documents = index.generation, len(index)
            staged = snapshot.stage(index, path, database)
        held = time.perf_counter() - started
        size = snapshot.publish(staged, path)
    db.snapshot_generation = generation
    log.info(
        "search: memory-index snapshot written to %s (%d documents, generation %d, %.0f MiB, "
        "index held %.1f s, %.1f s in all)",
        path,
        documents,
        generation,
        size / 2**20,
        held,
        time.perf_counter() - started,
    )
    return size


def _background_checkpoint(db: _Database, engine: Engine, index: MemoryIndex) -> None:
    try:
        checkpoint(db, engine, index, locked=True)
    except Exception as exc:  # a full disk must not take searches down: log, go on
        log.warning("search: memory-index snapshot not written: %r", exc)
    finally:
        db.snapshotting = False


def _want_checkpoint(db: _Database, index: MemoryIndex) -> bool:
    return (
        not db.snapshotting
        and len(index) >= options.snapshot_min_docs
        and index.generation - db.snapshot_generation >= options.snapshot_every
    )


def _start_checkpoint(db: _Database, engine: Engine, index: MemoryIndex) -> None:
    """Write a checkpoint in the background (the caller holds db.lock, checked _want_...)."""
    if snapshot_path(engine) is None:
        return
    db.snapshotting = True
    # Tried once per `snapshot_every` generations, written or not (a full disk).
    db.snapshot_generation = index.generation
    threading.Thread(
        target=_background_checkpoint,
        args=(db, engine, index),
        name="search-memory-snapshot",
        daemon=True,
    ).start()


class SnapshotsOff(RuntimeError):
    """No snapshot file for this database (CATALOG_SEARCH_SNAPSHOT=off, an in-memory SQLite)."""


def write_snapshot(
    engine: Engine, *, reuse: bool = True, progress: Callable[[int, int], None] | None = None
) -> tuple[Path, int, int | None]:
    """Write the snapshot file of `engine`'s index (`catalog search snapshot`, reindex).

    Starts from the current snapshot, caught up, when `reuse` and it is valid; else loads
    in full (`progress(done, total)` per batch). Returns (path, documents, bytes written;
    None when an up-to-date snapshot is there or another process is writing one). Raises
    SnapshotsOff, and RuntimeError when there is no index (no search_state row).
    """
    path = snapshot_path(engine)
    if path is None:
        raise SnapshotsOff(f"no snapshot file for {engine.url!r} (CATALOG_SEARCH_SNAPSHOT)")
    db = _Database()  # this call's own: the process's index (if any) is not touched
    index = _from_snapshot(db, engine, _consistent_sessions(engine)) if reuse else None
    if index is None:
        index = load(_new_sessions(engine), progress, batch=options.batch)
    if index is None:
        raise RuntimeError("the search index has no state yet: run `catalog search reindex`")
    return path, len(index), checkpoint(db, engine, index, locked=False)


def _load(db: _Database, sessions: SessionFor, epoch: int, engine: Engine) -> None:
    from_file = _from_snapshot(db, engine, sessions)
    if from_file is not None:
        _install(db, from_file, "snapshot")
        return
    try:
        index = load(sessions, batch=options.batch)
    except (SourceMissing, VocabularyFull) as exc:
        log.warning("search: memory index off for this index epoch: %s", exc)
        db.failed_epoch, db.failure = epoch, str(exc)
        return
    if index is not None:
        _install(db, index, "database")


def _install(db: _Database, index: MemoryIndex, source: str) -> None:
    """Serve `index`; a large one is then frozen out of the garbage collector (gc.freeze).

    The index is millions of long-lived containers that hold no reference cycles worth
    collecting, and every full collection walked all of them: 96 ms at 100k documents, the
    100-230 ms p99 pauses of the PostgreSQL bench (bench/results/api-2026-12-02-*). Frozen
    objects are still freed by reference counting when a reindex drops them; the collection
    on the next load (frozen again or not, if the catalogue shrank) frees any cycles that were
    frozen with the first.
    """
    with db.lock:
        replaced, db.index, db.source = db.index, index, source
    del replaced
    if gc.get_freeze_count():  # only this function freezes in the app's processes
        gc.unfreeze()
        gc.collect()
    if len(index) >= options.freeze_min_docs:
        gc.freeze()


def _background_load(db: _Database, engine: Engine) -> None:
    """Load batch by batch until done; on an error back off and go on from the last row."""
    sessions = _new_sessions(engine)
    state = db.loader
    try:
        while not db.stop.is_set():
            try:
                if db.progress is None:
                    from_file = _from_snapshot(db, engine, _consistent_sessions(engine))
                    if from_file is not None:
                        _install(db, from_file, "snapshot")
                        state.ok()
                        return
                    db.progress = begin(sessions)
                    if db.progress is None:
                        return  # no index state: nothing to load
                progress = db.progress
                while not step(sessions, progress, options.batch):
                    state.ok()
                    if db.stop.is_set():
                        return
                _install(db, progress.index, "database")
                db.progress = None
                state.ok()
                log.info("search: memory index loaded (%d documents)", progress.done)
                if len(progress.index) >= options.snapshot_min_docs:
                    db.snapshotting = True
                    _background_checkpoint(db, engine, progress.index)
                return
            except (SourceMissing, VocabularyFull) as exc:
                log.warning("search: memory index off for this index epoch: %s", exc)
                if db.progress is not None:
                    db.failed_epoch, db.failure = db.progress.epoch, str(exc)
                db.progress = None
                return
            except EpochChanged:
                db.progress = None  # rebuilt meanwhile: load the new epoch from the start
            except Exception as exc:  # never die: log, back off, resume from the last row
                held = db.progress
                done = f"{held.done} of {held.total} rows in" if held else "starting"
                db.stop.wait(state.failed(exc, f"{done}; resumes there"))
    finally:
        db.loading = None


def _start_loading(db: _Database, engine: Engine, epoch: int) -> None:
    if db.loading is None:
        db.stop.clear()
        db.loading = threading.Thread(
            target=_background_load,
            args=(db, engine),
            name="search-memory-load",
            daemon=True,
        )
        db.loading.start()


def _background_catch_up(db: _Database, engine: Engine) -> None:
    try:
        with Session(bind=engine) as session:
            state = repo.state(session)
            seen = db.index
            if state is not None and seen is not None and seen.epoch == state[0]:
                # Read unlocked (see ready). Searches leave the index alone meanwhile
                # (db.catching_up); a reload may replace it, and then nothing is applied.
                changes = read_changes(session, seen.generation)
                with db.lock:
                    if db.index is seen and seen.generation == changes.since:
                        apply_changes(seen, changes, state[1])
        db.catcher.ok()
    except Exception as exc:  # the next search starts another, after the backoff
        db.catch_up_after = time.monotonic() + db.catcher.failed(exc)
    finally:
        db.catching_up = False


def _start_catching_up(db: _Database, engine: Engine) -> None:
    if not db.catching_up and time.monotonic() >= db.catch_up_after:
        db.catching_up = True
        threading.Thread(
            target=_background_catch_up,
            args=(db, engine),
            name="search-memory-catch-up",
            daemon=True,
        ).start()


def stop(engine: Engine) -> None:
    """Stop the background load of `engine`'s database (the app is shutting down)."""
    _database(engine).stop.set()


def status(engine: Engine, generation: int | None) -> dict[str, Any]:
    """The memory index of `engine`'s database as `/readyz` shows it.

    `generation` is the database's current index generation (None if unknown); `lag` is how
    many generations the loaded index is behind it (it catches up in the next search).
    """
    if not options.enabled:
        return {"state": "off"}
    db = _database(engine)
    index, progress = db.index, db.progress
    out: dict[str, Any] = {}
    if progress is not None or db.loading is not None:
        out["state"] = "loading"
        if progress is not None:
            out["loaded"], out["total"] = progress.done, progress.total
    elif db.failed_epoch is not None and (index is None or index.epoch == db.failed_epoch):
        out["state"], out["error"] = "off", db.failure
    else:
        out["state"] = "ready" if index is not None else "not loaded"
    if index is not None:
        out["generation"] = index.generation
        if generation is not None:
            out["lag"] = max(0, generation - index.generation)
    if db.source is not None:
        out["source"] = db.source
    if db.snapshot_note is not None:
        out["snapshot"] = db.snapshot_note
    out["loader"] = db.loader.report()
    out["catch_up"] = db.catcher.report()
    return out


def warm(engine: Engine) -> None:
    """Start loading the memory index of `engine`'s database in the background."""
    if not options.enabled:
        return
    db = _database(engine)
    try:
        with Session(bind=engine) as session:
            state = repo.state(session)
    except SQLAlchemyError as exc:
        if transient(exc) is not None:  # locked or away: the loader retries until it can
            _start_loading(db, engine, 0)
        else:  # not migrated yet: the first search after `init` loads
            log.info("search: no index to load yet (%s)", exc.__class__.__name__)
        return
    if state is not None and db.index is None:
        _start_loading(db, engine, state[0])


@contextmanager
def ready(session: Session) -> Iterator[MemoryIndex | None]:
    """The memory index, caught up with what `session` sees, locked for one search; None if
    the database must answer."""
    if not options.enabled or written(session):
        yield None
        return
    state = repo.state(session)
    if state is None:
        yield None
        return
    epoch, generation = state
    engine = _engine(session)
    db = _database(engine)
    if db.failed_epoch == epoch:
        yield None
        return
    if db.index is None or db.index.epoch != epoch:
        if options.wait:
            _load(db, _same_session(session), epoch, engine)
        else:
            # The load waits for this transaction on SQLite (its write lock): no deadlock,
            # the database answers this search.
            _start_loading(db, engine, epoch)
    if db.catching_up:
        yield None
        return
    # The writes this search must see are read before the lock is taken: a query under the
    # lock would hold every other search of the process for its length. Unlocked, the index
    # may move meanwhile; the changes are applied only if it has not, else read again.
    for _attempt in range(CATCH_UP_ATTEMPTS):
        seen = db.index
        changes = None
        near = seen is not None and generation - seen.generation <= CATCH_UP_IN_SEARCH
        if (
            seen is not None
            and seen.epoch == epoch
            and seen.generation != generation
            and (near or options.wait)
        ):
            changes = read_changes(session, seen.generation)
        with db.lock:
            index = db.index
            if index is None or index.epoch != epoch:
                break
            if generation - index.generation > CATCH_UP_IN_SEARCH and not options.wait:
                _start_catching_up(db, engine)
                break
            if generation != index.generation:
                if changes is None or index is not seen or index.generation != changes.since:
                    continue  # another search moved it meanwhile: read again, unlocked
                apply_changes(index, changes, generation)
                if not options.wait and _want_checkpoint(db, index):
                    _start_checkpoint(db, engine, index)
            yield index
            return
    yield None  # not loaded, too far behind, or moving under a stream of writes
