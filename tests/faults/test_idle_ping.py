"""PostgreSQL connections are pinged on checkout only after sitting idle (app.db.ping_when_idle).

A connection the server dropped while it was idle in the pool is replaced without the caller
seeing an error; one returned moments ago is handed out without a round trip.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from app.db import ping_when_idle
from tests.conftest import Backend

IDLE = 0.3  # seconds: short, so the test need not wait the production second


@pytest.fixture
def pg_url(backend: Backend) -> str:
    if backend.name != "postgresql":
        pytest.skip("PostgreSQL pool behaviour")
    return backend.url


def _engine(url: str, idle: float) -> Engine:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle)
    return engine


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Times of the pings made by engines built after this fixture (the dialect class is
    patched: each engine's dialect is a new instance of it)."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    seen: list[float] = []
    original = PGDialect_psycopg.do_ping

    def counting(self: Any, dbapi_connection: Any) -> bool:
        seen.append(time.monotonic())
        return bool(original(self, dbapi_connection))

    monkeypatch.setattr(PGDialect_psycopg, "do_ping", counting)
    yield seen


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    killer = create_engine(url, poolclass=NullPool)
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()


def test_a_connection_returned_moments_ago_is_not_pinged(pg_url: str, pings: list[float]) -> None:
    engine = _engine(pg_url, IDLE)
    try:
        first = _backend_pid(engine)  # a new connection: nothing to ping
        for _ in range(5):
            assert _backend_pid(engine) == first  # reused at once: no ping either
        assert pings == []
        time.sleep(IDLE * 1.5)
        assert _backend_pid(engine) == first  # idle past the limit: pinged, still alive
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced_without_an_error(
    pg_url: str, pings: list[float]
) -> None:
    engine = _engine(pg_url, IDLE)
    try:
        dropped = _backend_pid(engine)
        _terminate(pg_url, dropped)  # what a restart or an idle timeout does to it
        time.sleep(IDLE * 1.5)
        replaced = _backend_pid(engine)  # the ping fails, the pool connects afresh
        assert replaced != dropped
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_without_the_idle_ping_the_dropped_connection_fails_its_first_statement(
    pg_url: str, pings: list[float]
) -> None:
    """The control: with a limit longer than the idle time, nothing pings, and the dead
    connection surfaces as a disconnect (which app.faults.http turns into 503 + a retry)."""
    engine = _engine(pg_url, 3600.0)
    try:
        _terminate(pg_url, _backend_pid(engine))
        time.sleep(IDLE * 1.5)
        with pytest.raises(sa_exc.OperationalError) as caught:
            _backend_pid(engine)
        assert caught.value.connection_invalidated
        assert pings == []
        _backend_pid(engine)  # the pool was invalidated: the next checkout connects afresh
    finally:
        engine.dispose()


def test_after_one_dead_connection_the_others_returned_before_it_are_pinged(
    pg_url: str, pings: list[float]
) -> None:
    """A restart kills every pooled connection at once: once one of them is found dead, the
    rest are pinged on checkout even if they were used moments ago, so only the first caller
    sees the disconnect (and code that invalidates its own connection only, such as
    app.common.driver_sql, does not leave its siblings to fail one by one)."""
    engine = create_engine(pg_url, pool_size=2, max_overflow=0)
    ping_when_idle(engine, 3600.0)  # idle never long enough: only the invalidation pings
    try:
        with engine.connect() as one, engine.connect() as two:  # two pooled connections
            pids = [
                int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in (one, two)
            ]
        for pid in pids:
            _terminate(pg_url, pid)
        with engine.connect() as conn:
            # As app.common.driver_sql does: a raw driver cursor fails, and only this
            # connection is invalidated (SQLAlchemy's own statements invalidate the whole pool).
            cursor = conn.connection.cursor()
            with pytest.raises(psycopg.OperationalError) as caught:
                cursor.execute("SELECT 1")
            conn.invalidate(caught.value)
        assert pings == []
        fresh = _backend_pid(engine)  # the sibling is pinged, found dead, replaced
        assert fresh not in pids
        assert len(pings) >= 1
    finally:
        engine.dispose()
