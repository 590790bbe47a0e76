"""Plain SQL on the session's own DBAPI connection, for the few reads on every search request.

A Core `select()` through the ORM session costs ~250 us of SQLAlchemy machinery on this machine
(statement cache lookup, ORM context, result metadata) against ~15 us for the same one-row
SELECT on the driver's cursor (bench/results/search-api-2026-12-01-s5.txt). The reads here are
fixed statements on a handful of columns, so they skip that layer; they still run in the
session's transaction (`Session.connection()` begins it, with the engine's BEGIN hook), so they
see exactly what the session's other queries see.

Statements are written with `?` placeholders; on PostgreSQL (psycopg) they become `%s`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def rows(
    db: Session | Connection, sql: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """All rows of `sql` (with `?` placeholders for `params`) as plain tuples, in the
    session's transaction, or on a Core connection as it is (one statement on an autocommit
    or not yet begun connection is its own snapshot). Column types are the driver's (SQLite:
    booleans are 0/1, timestamps are text)."""
    connection = db.connection() if isinstance(db, Session) else db
    dialect = connection.dialect
    if dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as exc:
        # Wrapped as SQLAlchemy wraps it, so fault handling (locked, lost connection) is the same.
        disconnect = dialect.is_disconnect(exc, connection.connection, cursor)
        if disconnect:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            sql, params, exc, dialect.loaded_dbapi.Error, connection_invalidated=disconnect
        ) from exc
    finally:
        cursor.close()


def placeholders(count: int) -> str:
    """`?, ?, ...` for an IN list of `count` values."""
    return ", ".join("?" * count)
