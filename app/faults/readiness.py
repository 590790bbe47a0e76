"""`/readyz`: what this process can serve right now, and the health of its background loops.

200 when the database answers (`status` "ok", or "degraded" when a loop keeps failing), 503
when it does not. The body says: the database (reachable, or the error); the memory search
index (loading with rows loaded of total, or ready with its lag in generations; the
database answers searches until it is ready); the harvest scheduler thread when this
process runs one (alive, last tick, last error); each loop's last error and failures in a
row. The probe waits at most `PROBE_TIMEOUT` seconds for a lock, so a locked SQLite file
shows as such instead of holding the probe for the whole busy timeout.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from app.harvest.worker import Worker
from app.search import memory

PROBE_TIMEOUT = 1.0
_GENERATION = "SELECT generation FROM search_state WHERE id = 1"


def _probe(engine: Engine) -> int | None:
    """The index generation (None if the table is empty); raises if the database fails."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            value = conn.scalar(text(_GENERATION))
            conn.rollback()
        return None if value is None else int(value)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout")
        saved = int(cursor.fetchone()[0])  # type: ignore[index]
        cursor.execute(f"PRAGMA busy_timeout={int(PROBE_TIMEOUT * 1000)}")
        try:
            cursor.execute(_GENERATION)
            row = cursor.fetchone()
        finally:
            cursor.execute(f"PRAGMA busy_timeout={saved}")
            cursor.close()
    finally:
        raw.close()
    return None if row is None else int(row[0])


def readiness(engine: Engine, scheduler: Worker | None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of `/readyz`."""
    body: dict[str, Any] = {"status": "ok"}
    generation: int | None = None
    try:
        generation = _probe(engine)
        body["database"] = {"reachable": True, "generation": generation}
    except Exception as exc:  # readiness reports any database failure, never raises
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        body["database"] = {"reachable": False, "error": error}
        body["status"] = "unavailable"
    index = memory.status(engine, generation)
    body["search_memory_index"] = index
    loops = {
        "search-memory-loader": index.get("loader"),
        "search-memory-catch-up": index.get("catch_up"),
    }
    if scheduler is not None:
        body["harvest_scheduler"] = scheduler.report()
        loops["harvest-scheduler"] = body["harvest_scheduler"]
    failing = [name for name, loop in loops.items() if loop and loop.get("state") == "failing"]
    if scheduler is not None and not scheduler.alive:
        failing.append("harvest-scheduler")
    if failing and body["status"] == "ok":
        body["status"] = "degraded"
    body["failing_loops"] = failing
    return (503 if body["status"] == "unavailable" else 200), body
