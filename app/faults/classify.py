"""Which database errors are transient: worth a retry, a log line and a 503, not a 500.

Sources of the rules: SQLite result codes (SQLITE_BUSY "database is locked", SQLITE_LOCKED,
SQLITE_CANTOPEN, SQLITE_IOERR); PostgreSQL SQLSTATE classes 08 (connection exception),
53 (insufficient resources), 57P (operator intervention: admin shutdown, crash shutdown,
cannot connect now), 40001/40P01 (serialization failure, deadlock), 55P03 (lock not
available); SQLAlchemy's own `connection_invalidated` flag and its pool `TimeoutError`.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import exc as sa_exc

# "connection": the server or the connection went away (a retry on a fresh connection may
# succeed at once); "busy": the database is there but locked or overloaded (a retry now
# would wait as long again).
Kind = Literal["connection", "busy"]

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_SQLITE_CONNECTION = ("unable to open database file", "disk i/o error")
_PG_BUSY_STATES = ("40001", "40P01", "55P03", "53300", "53400", "53200", "53100")


def _sqlstate(orig: BaseException | None) -> str | None:
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state if isinstance(state, str) else None


def transient(exc: BaseException) -> Kind | None:
    """The kind of transient fault `exc` is, or None for an error a retry won't fix."""
    if isinstance(exc, sa_exc.TimeoutError):  # QueuePool limit reached: connections busy
        return "busy"
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    if exc.connection_invalidated:
        return "connection"
    orig = exc.orig
    module = type(orig).__module__ if orig is not None else ""
    message = str(orig).lower()
    if module.startswith("sqlite3"):
        if any(m in message for m in _SQLITE_BUSY):
            return "busy"
        if any(m in message for m in _SQLITE_CONNECTION):
            return "connection"
        return None
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    state = _sqlstate(orig)
    if state is None or state.startswith(("08", "57P")):
        # No SQLSTATE: the client library lost the server (refused, reset, closed).
        return "connection"
    if state in _PG_BUSY_STATES:
        return "busy"
    return None
