"""Engine and sessions. One transaction per request or command, committed at the boundary.

On SQLite a transaction that may write begins `IMMEDIATE` (it takes the write lock up front, so
two writers queue instead of failing on lock upgrade), and a read-only one begins `DEFERRED`
(in WAL mode readers never wait for the writer nor block it). Which sessions write is decided
here, once: `write_sessions` (the default `make_sessionmaker`, used by commands, jobs and
mutating requests) and `read_sessions` (safe requests; see `app.api.sessions`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

# Execution option read by `_sqlite_begin`: "IMMEDIATE" (default) or "DEFERRED".
BEGIN_OPTION = "catalog_sqlite_begin"
# Session.info key: work to run in a short write transaction after a read-only one ends.
DEFERRED_WRITES = "catalog_deferred_writes"
READ_ONLY = "catalog_read_only"
# Seconds a pooled PostgreSQL connection may sit unused before its next checkout pings it.
PING_AFTER_IDLE = 1.0
# ConnectionRecord.info key of `ping_when_idle`: (DBAPI connection, when it last worked).
_LAST_USED = "catalog_last_used"


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
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout
    )
    ping_when_idle(engine, PING_AFTER_IDLE)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only when it has been idle `idle_seconds` or more
    (SQLAlchemy's `pool_pre_ping` pings on every checkout).

    The ping is a round trip; on a busy server nearly every checkout gets a connection returned
    a few milliseconds earlier, and pinging it cost ~19% of PostgreSQL package_show throughput
    (bench/results/api-2026-12-02-postgresql-10k-ping.txt). A connection the server dropped
    while it sat idle (a restart, an idle timeout) is found by the ping and replaced: a failed
    ping raises `DisconnectionError`, on which the pool connects afresh (SQLAlchemy docs,
    "Disconnect Handling - Pessimistic", custom checkout events). One dropped within the last
    `idle_seconds` fails on its first statement instead: that invalidation makes every
    connection returned before it be pinged on its next checkout, the request gets 503 +
    Retry-After and a GET is retried (app.faults.http), as a request that was running when
    the server went away always has.
    """
    dialect = engine.dialect
    # When the pool last saw a connection die (any invalidation, including one made by code
    # that runs raw driver cursors): every connection returned before then is pinged, however
    # recently, since a server restart kills them all at once.
    invalidated = [0.0]

    def on_invalidate(_dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        invalidated[0] = time.monotonic()

    def mark_alive(dbapi_connection: Any, record: Any) -> None:
        # Just connected, or just returned after use: known to work at this moment.
        record.info[_LAST_USED] = (dbapi_connection, time.monotonic())

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        used = record.info.get(_LAST_USED)
        # The mark must be this DBAPI connection's: a record reconnects behind the same info.
        if (
            used is not None
            and used[0] is dbapi_connection
            and used[1] > invalidated[0]
            and time.monotonic() - used[1] < idle_seconds
        ):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa_exc.DisconnectionError(f"ping failed: {exc}") from exc

    event.listen(engine, "connect", mark_alive)
    event.listen(engine, "checkin", mark_alive)
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "invalidate", on_invalidate)
    event.listen(engine, "soft_invalidate", on_invalidate)


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
