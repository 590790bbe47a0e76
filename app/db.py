"""Engine and sessions. One transaction per request or command, committed at the boundary.

On SQLite a transaction that may write begins `IMMEDIATE` (it takes the write lock up front, so
two writers queue instead of failing on lock upgrade), and a read-only one begins `DEFERRED`
(in WAL mode readers never wait for the writer nor block it). Which sessions write is decided
here, once: `write_sessions` (the default `make_sessionmaker`, used by commands, jobs and
mutating requests) and `read_sessions` (safe requests; see `app.api.sessions`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# Execution option read by `_sqlite_begin`: "IMMEDIATE" (default) or "DEFERRED".
BEGIN_OPTION = "catalog_sqlite_begin"
# Session.info key: work to run in a short write transaction after a read-only one ends.
DEFERRED_WRITES = "catalog_deferred_writes"
READ_ONLY = "catalog_read_only"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file (./var/ by default) before anything opens it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: float = 30.0,
    busy_timeout_ms: int = 30_000,
) -> Engine:
    """An engine whose pool holds `pool_size` (+ `max_overflow`) connections.

    A checkout that waits longer than `pool_timeout` seconds raises `sqlalchemy.exc.TimeoutError`;
    a SQLite writer that waits longer than `busy_timeout_ms` for the lock raises
    `OperationalError: database is locked`. The web process turns both into 503 (app.api.sessions).
    """
    ensure_sqlite_dir(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
    )


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (see _sqlite_begin), not pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE unless the engine was marked read-only (read_engine): a deferred transaction
    # that later writes can fail at once with SQLITE_BUSY on lock upgrade, so writers must
    # never start deferred.
    mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def read_engine(engine: Engine) -> Engine:
    """The same engine and pool, whose transactions begin DEFERRED on SQLite (reads only)."""
    return engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that may write (BEGIN IMMEDIATE on SQLite)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads: deferred on SQLite; writes they need go through `defer_write`."""
    return sessionmaker(
        bind=read_engine(engine), expire_on_commit=False, autoflush=True, info={READ_ONLY: True}
    )


def is_read_only(session: Session) -> bool:
    return bool(session.info.get(READ_ONLY))


def defer_write(session: Session, work: Callable[[Session], None]) -> None:
    """Run `work` in a write transaction: now if `session` may write, else after it ends.

    For bookkeeping a read may cause (a token's `last_used`): a read session must not write,
    because upgrading a deferred SQLite transaction fails when another writer went first.
    """
    if is_read_only(session):
        session.info.setdefault(DEFERRED_WRITES, []).append(work)
    else:
        work(session)


def take_deferred_writes(session: Session) -> list[Callable[[Session], None]]:
    work: list[Callable[[Session], None]] = session.info.pop(DEFERRED_WRITES, [])
    return work


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a CLI command or a job: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
