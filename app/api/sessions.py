"""The request's database session: admission, read or write, and when it ends.

- Admission: at most `db_sessions` requests hold a session at once; the rest wait in the event
  loop (no thread, no connection) for up to `db_queue_timeout` seconds, then get 503 with
  `Retry-After`. On SQLite one writer at a time is admitted (SQLite serialises writes anyway),
  so writers queue here instead of holding threads while they wait for the lock.
- Read or write: safe methods (GET, HEAD, OPTIONS) and CKAN actions that are side-effect free
  get a read session (BEGIN DEFERRED on SQLite); everything else a write session (IMMEDIATE).
- End: the dependency has FastAPI's "function" scope, so the transaction commits (or rolls back)
  after the handler returns and before the response is sent; a streamed body never holds it.
- Overload: a pool checkout timeout or SQLite's "database is locked" becomes 503 + Retry-After.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from app.db import (
    PING_AFTER_IDLE,
    make_read_sessionmaker,
    make_sessionmaker,
    ping_when_idle,
    read_engine,
    session_scope,
    take_deferred_writes,
)
from app.errors import Unavailable

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Gate:
    """Bounded admission to the database for requests (one per application)."""

    sessions: int
    write_slots: int | None
    queue_timeout: float
    max_waiting: int
    _all: anyio.Semaphore = field(init=False)
    _writes: anyio.Semaphore | None = field(init=False)
    waiting: int = 0

    def __post_init__(self) -> None:
        self._all = anyio.Semaphore(self.sessions)
        self._writes = anyio.Semaphore(self.write_slots) if self.write_slots else None

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.queue_timeout / 2))

    def _refuse(self) -> Unavailable:
        return Unavailable(
            "The catalogue is busy: too many requests are waiting for the database; "
            "retry after the number of seconds in Retry-After",
            retry_after=self.retry_after,
        )

    @asynccontextmanager
    async def enter(self, write: bool) -> AsyncIterator[None]:
        if self.waiting >= self.max_waiting:
            raise self._refuse()
        semaphores = [s for s in (self._writes if write else None, self._all) if s is not None]
        taken: list[anyio.Semaphore] = []
        # Free places are taken at once, without a timeout scope or a trip round the event loop
        # (~30 us a request); anyio hands a released place straight to a waiter, so this never
        # jumps the queue.
        for semaphore in semaphores:  # the write slot first: a waiting writer
            try:  # must not hold a reader's place
                semaphore.acquire_nowait()
            except anyio.WouldBlock:
                break
            taken.append(semaphore)
        if len(taken) < len(semaphores):
            self.waiting += 1
            try:
                with anyio.move_on_after(self.queue_timeout):
                    for semaphore in semaphores[len(taken) :]:
                        await semaphore.acquire()
                        taken.append(semaphore)
            finally:
                self.waiting -= 1
        try:
            if len(taken) < len(semaphores):
                raise self._refuse()
            yield
        finally:
            for semaphore in reversed(taken):
                semaphore.release()


@dataclass
class RequestDatabase:
    """What the lifespan puts on `app.state.db`: both session factories and the gate."""

    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    gate: Gate
    core_reads: Engine
    """The engine `run_read_core` connects with (see `_core_read_engine`)."""
    async_core_reads: AsyncEngine | None = None
    """PostgreSQL: the same reads on the event loop (see `_async_core_read_engine`)."""

    async def dispose(self) -> None:
        if self.async_core_reads is not None:
            await self.async_core_reads.dispose()


def request_database(
    engine: Engine, *, sessions: int, queue_timeout: float, max_waiting: int
) -> RequestDatabase:
    sqlite = engine.dialect.name == "sqlite"
    gate = Gate(sessions, 1 if sqlite else None, queue_timeout, max_waiting)
    return RequestDatabase(
        engine,
        make_sessionmaker(engine),
        make_read_sessionmaker(engine),
        gate,
        _core_read_engine(engine),
        None if sqlite else _async_core_read_engine(engine),
    )


# Connections of the async stored-read pool (per process): stored reads are one indexed
# statement each, so a few connections serve the gate's `db_sessions` requests in turn.
ASYNC_READ_POOL = 8


def _async_core_read_engine(engine: Engine) -> AsyncEngine:
    """PostgreSQL stored reads without a worker thread: the statement awaits its round trip
    on the event loop (psycopg's async connection, through SQLAlchemy's asyncio extension),
    so a read costs no thread hand-off. In autocommit, as `_core_read_engine` says why; its
    own small pool, pinged when idle as the main one (app.db.ping_when_idle)."""
    async_engine = create_async_engine(
        engine.url,
        pool_size=ASYNC_READ_POOL,
        max_overflow=0,
        pool_timeout=engine.pool.timeout() if isinstance(engine.pool, QueuePool) else 30.0,
        isolation_level="AUTOCOMMIT",
    )
    ping_when_idle(async_engine.sync_engine, PING_AFTER_IDLE)
    return async_engine


def _core_read_engine(engine: Engine) -> Engine:
    """The read engine for stored-row reads on a Core connection.

    On PostgreSQL it runs in autocommit: at READ COMMITTED (the default, which we keep) every
    statement takes its own snapshot inside a transaction too, so BEGIN and COMMIT only added
    two round trips to a one-statement read (PostgreSQL docs, 13.2.1 Read Committed Isolation
    Level). SQLite keeps its DEFERRED transaction: there it is what makes several statements
    read one snapshot.
    """
    reads = read_engine(engine)
    if engine.dialect.name == "postgresql":
        return reads.execution_options(isolation_level="AUTOCOMMIT")
    return reads


def overload_error(exc: BaseException, retry_after: int) -> Unavailable | None:
    """The 503 for a pool timeout or a SQLite lock timeout; None for any other error."""
    if isinstance(exc, sa_exc.TimeoutError):
        return Unavailable(
            "The catalogue is busy: no database connection was free; retry later", retry_after
        )
    if isinstance(exc, sa_exc.OperationalError):
        text = str(exc.orig).lower()
        if "database is locked" in text or "database is busy" in text:
            return Unavailable(
                "The catalogue is busy: the database is locked by another writer; retry later",
                retry_after,
            )
    return None


@contextmanager
def overloads_as_503(retry_after: int) -> Iterator[None]:
    """Re-raise what `overload_error` recognises as its 503; anything else unchanged."""
    try:
        yield
    except Exception as exc:
        translated = overload_error(exc, retry_after)
        if translated is None:
            raise
        raise translated from exc


async def _in_thread(fn: Callable[[], None]) -> None:
    # Shielded: a client that disconnects must not leave the transaction open.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(fn)


_background: set[asyncio.Task[None]] = set()


def _run_deferred(db: RequestDatabase, work: list[Callable[[Session], None]]) -> None:
    """A read's bookkeeping writes, after its response, in one short write transaction."""

    def run() -> None:
        try:
            with session_scope(db.write_sessions) as session:
                for item in work:
                    item(session)
        except Exception:  # bookkeeping (last_used) is best effort; never fail the request
            log.warning("deferred write after a read request failed", exc_info=True)

    task = asyncio.get_running_loop().create_task(anyio.to_thread.run_sync(run))
    _background.add(task)
    task.add_done_callback(_background.discard)


WRITES_BEFORE_RESPONSE = "api.writes_before_response"


def write_before_response(session: Session, work: Callable[[Session], None]) -> None:
    """Run `work` in its own short write transaction after this read's transaction ends and
    before its response goes out (the next request, on any worker, sees it). Best effort:
    a busy database skips it (logged). Used by the CKAN paging memo (app.api.ckan.paging)."""
    session.info.setdefault(WRITES_BEFORE_RESPONSE, []).append(work)


async def _write_before_response(
    db: RequestDatabase, work: list[Callable[[Session], None]]
) -> None:
    def run() -> None:
        with session_scope(db.write_sessions) as session:
            for item in work:
                item(session)

    try:
        async with db.gate.enter(True):
            await _in_thread(run)
    except Exception:  # bookkeeping only: the response is already decided
        log.warning("a read's write before its response failed", exc_info=True)


async def _after_request(db: RequestDatabase, session: Session) -> None:
    """The bookkeeping a request's work left on its closed `session`: deferred writes (run
    now, after the request's own transaction), then the writes its response waits for."""
    deferred = take_deferred_writes(session)
    if deferred:
        _run_deferred(db, deferred)
    before_response = session.info.pop(WRITES_BEFORE_RESPONSE, None)
    if before_response:
        await _write_before_response(db, before_response)


@asynccontextmanager
async def _session(request: Request, write: bool) -> AsyncIterator[Session]:
    db: RequestDatabase = request.app.state.db
    async with db.gate.enter(write):
        session = (db.write_sessions if write else db.read_sessions)()
        try:
            with overloads_as_503(db.gate.retry_after):
                try:
                    yield session
                    await _in_thread(session.commit)
                except BaseException:
                    await _in_thread(session.rollback)
                    raise
        finally:
            await _in_thread(session.close)
    await _after_request(db, session)


T = TypeVar("T")


def _inline(db: RequestDatabase) -> bool:
    """Run a short read on the event loop: on SQLite (a local file; WAL readers never wait for
    a lock) when the pool has a connection free, so the checkout cannot wait either. Measured
    (bench/results/api-serving-2026-12-01.txt): 0.93-1.05 ms of server CPU per stored
    package_show/v1/.ttl inline against 1.15-1.5 ms with the thread hop. PostgreSQL reads go
    through a worker thread: a network round trip must not hold the loop."""
    pool = db.engine.pool
    if db.engine.dialect.name != "sqlite" or not isinstance(pool, QueuePool):
        return False
    return pool.checkedout() < pool.size()


async def run_read(request: Request, work: Callable[[Session], T]) -> T:
    """`work(session)` in a read transaction, as `get_session` would run a handler, but with
    at most one thread hop for the whole request (session, query, commit, close) instead of
    one per step: the hot GETs (app.api.hot_reads). Same admission gate, 503 translation and
    deferred bookkeeping writes; on SQLite no thread at all (see `_inline`).

    Not on PostgreSQL's async engine. A search used to hold the memory index's thread lock
    across its catch-up queries, and an awaited query there let the next request on the loop
    block the loop's thread on that lock for good (tests/faults/test_search_after_write.py).
    The catch-up now reads before it locks (app.search.memory.registry.ready), but a search
    still takes that lock while it evaluates, and the loop would wait on it: moving searches
    to the loop has to be measured and attacked again first."""
    db: RequestDatabase = request.app.state.db
    inline = _inline(db)
    async with db.gate.enter(False):
        session = db.read_sessions()

        def run() -> T:
            try:
                with overloads_as_503(db.gate.retry_after):
                    try:
                        result = work(session)
                        session.commit()
                        return result
                    except BaseException:
                        session.rollback()
                        raise
            finally:
                session.close()

        if inline:
            result = run()
        else:
            # Shielded: a client that disconnects must not leave the transaction open.
            with anyio.CancelScope(shield=True):
                result = await anyio.to_thread.run_sync(run)
    await _after_request(db, session)
    return result


async def run_read_core(request: Request, work: Callable[[Connection], T]) -> T:
    """`work(connection)` in one read transaction on a Core connection of the read engine, as
    `run_read` (same gate, thread choice and 503 translation) but without an ORM session: for
    reads of stored rows by an anonymous caller, which need no identity map, token lookup or
    deferred bookkeeping writes. The ORM session's transaction bookkeeping alone cost about
    as much as the query (~140 of ~270 us in-process, bench/results/api-2026-12-01-s5-*.txt)."""
    db: RequestDatabase = request.app.state.db
    if db.async_core_reads is not None:
        return await _read_core_async(db, db.async_core_reads, work)
    inline = _inline(db)
    engine = db.core_reads
    async with db.gate.enter(False):

        def run() -> T:
            with overloads_as_503(db.gate.retry_after), engine.connect() as connection:
                result = work(connection)
                connection.commit()
            return result

        if inline:
            result = run()
        else:
            # Shielded: a client that disconnects must not leave the transaction open.
            with anyio.CancelScope(shield=True):
                result = await anyio.to_thread.run_sync(run)
    return result


async def _read_core_async(
    db: RequestDatabase, engine: AsyncEngine, work: Callable[[Connection], T]
) -> T:
    async with db.gate.enter(False):
        # Shielded: a client that disconnects must not leave a connection mid-statement.
        with anyio.CancelScope(shield=True), overloads_as_503(db.gate.retry_after):
            async with engine.connect() as connection:
                result = await connection.run_sync(work)
    return result


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: a read session for safe methods, else a write session."""
    async with _session(request, request.method not in SAFE_METHODS) as session:
        yield session


def session_for(is_write: Callable[[Request], bool]) -> Callable[[Request], AsyncIterator[Session]]:
    """A session dependency whose read/write choice is `is_write(request)` (CKAN actions)."""

    async def dependency(request: Request) -> AsyncIterator[Session]:
        async with _session(request, is_write(request)) as session:
            yield session

    return dependency


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
