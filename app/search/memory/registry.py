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

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.faults.classify import transient
from app.faults.loops import Backoff, LoopState
from app.search import repository as repo
from app.search.memory.index import MemoryIndex, VocabularyFull
from app.search.memory.loader import (
    EpochChanged,
    Loading,
    SessionFor,
    SourceMissing,
    begin,
    catch_up,
    load,
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


@dataclass
class Options:
    enabled: bool = True
    # Load in the searching thread (tests, the bench, the CLI) instead of in the background.
    wait: bool = True
    # Rows per read transaction of a load.
    batch: int = 2000


options = Options()
# More index writes than this behind (a harvest, a bulk import): catching up inside a search
# would hold it (and the searches queued behind it) for seconds, so a served app catches up
# in the background while the database answers.
CATCH_UP_IN_SEARCH = 2000
_databases: dict[str, _Database] = {}
_databases_lock = threading.Lock()


def configure(
    *, enabled: bool | None = None, wait: bool | None = None, batch: int | None = None
) -> None:
    if enabled is not None:
        options.enabled = enabled
    if wait is not None:
        options.wait = wait
    if batch is not None:
        options.batch = batch


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


def _load(db: _Database, sessions: SessionFor, epoch: int) -> None:
    try:
        index = load(sessions, batch=options.batch)
    except (SourceMissing, VocabularyFull) as exc:
        log.warning("search: memory index off for this index epoch: %s", exc)
        db.failed_epoch, db.failure = epoch, str(exc)
        return
    if index is not None:
        with db.lock:
            db.index = index


def _background_load(db: _Database, engine: Engine) -> None:
    """Load batch by batch until done; on an error back off and go on from the last row."""
    sessions = _new_sessions(engine)
    state = db.loader
    try:
        while not db.stop.is_set():
            try:
                if db.progress is None:
                    db.progress = begin(sessions)
                    if db.progress is None:
                        return  # no index state: nothing to load
                progress = db.progress
                while not step(sessions, progress, options.batch):
                    state.ok()
                    if db.stop.is_set():
                        return
                with db.lock:
                    db.index = progress.index
                db.progress = None
                state.ok()
                log.info("search: memory index loaded (%d documents)", progress.done)
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
            with db.lock:
                index = db.index
                if state is not None and index is not None and index.epoch == state[0]:
                    catch_up(session, index, state[1])
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
            _load(db, _same_session(session), epoch)
        else:
            # The load waits for this transaction on SQLite (its write lock): no deadlock,
            # the database answers this search.
            _start_loading(db, engine, epoch)
    if db.catching_up:
        yield None
        return
    with db.lock:
        index = db.index
        if index is None or index.epoch != epoch:
            yield None
            return
        if generation - index.generation > CATCH_UP_IN_SEARCH and not options.wait:
            _start_catching_up(db, engine)
            yield None
            return
        if generation != index.generation:
            catch_up(session, index, generation)
        yield index
