"""Job liveness: tell a running job from one whose process died.

PostgreSQL: the process running a job holds a session-level advisory lock on the job for as
long as it runs, on a connection of its own; if the process dies the server drops the lock,
so any worker can see the job is dead (and several hosts can run workers). SQLite (one host):
the job records host:pid, and a job whose process no longer exists is dead.
"""

from __future__ import annotations

import hashlib
import os
import socket
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

LOCK_CLASS = 0x68617276  # "harv": the two-int key space, apart from other advisory locks
# Jobs running in this process (a restarted scheduler thread must not think they are dead).
RUNNING_HERE: set[str] = set()


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _key(job_id: str) -> int:
    return int.from_bytes(hashlib.sha1(job_id.encode()).digest()[:4], "big", signed=True)


class JobLease:
    """Held from the moment a job is marked running until it ends."""

    def __init__(self, engine: Engine, job_id: str) -> None:
        self.job_id = job_id
        self._conn: Connection | None = None
        if engine.dialect.name == "postgresql":
            conn = engine.connect()
            conn.execute(
                text("SELECT pg_advisory_lock(:c, :k)"), {"c": LOCK_CLASS, "k": _key(job_id)}
            )
            conn.commit()
            self._conn = conn
        RUNNING_HERE.add(job_id)

    def release(self) -> None:
        RUNNING_HERE.discard(self.job_id)
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(
                text("SELECT pg_advisory_unlock(:c, :k)"), {"c": LOCK_CLASS, "k": _key(self.job_id)}
            )
            conn.commit()
            conn.close()
        except Exception:  # the connection is broken: drop it rather than pool a held lock
            conn.invalidate()
            raise

    def __enter__(self) -> JobLease:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.release()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_alive(session: Session, job_id: str, runner: str | None) -> bool:
    if job_id in RUNNING_HERE:
        return True
    if session.get_bind().dialect.name == "postgresql":
        key = {"c": LOCK_CLASS, "k": _key(job_id)}
        free = session.scalar(text("SELECT pg_try_advisory_lock(:c, :k)"), key)
        if free:
            session.execute(text("SELECT pg_advisory_unlock(:c, :k)"), key)
        return not free
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # not ours to judge
    return int(pid) != os.getpid() and _pid_alive(int(pid))
