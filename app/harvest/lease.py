"""Job liveness: tell a running job from one whose process died.

PostgreSQL: the process running a job holds a session-level advisory lock on the job for as
long as it runs, on a connection of its own; if the process dies the server drops the lock,
so any worker can see the job is dead (and several hosts can run workers). SQLite (one host):
the job records host:pid, and a job whose process no longer exists is dead.

With a lease time, the runner also renews the job's `heartbeat` every third of it from a
thread of its own (and takes the advisory lock again on a new connection if the server
restarted under it). A job is then dead only when its process or lock is gone AND its
heartbeat is older than two renewals: a worker that lost its database for a moment keeps
its job, one that lost it for longer loses it, and finds out (`lost`) when it is back.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.orm import Session

from app.faults.loops import LoopState
from app.models import HarvestJob
from app.timeutil import utcnow

log = logging.getLogger(__name__)

LOCK_CLASS = 0x68617276  # "harv": the two-int key space, apart from other advisory locks
# Jobs running in this process (a restarted scheduler thread must not think they are dead).
RUNNING_HERE: set[str] = set()


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _key(job_id: str) -> int:
    return int.from_bytes(hashlib.sha1(job_id.encode()).digest()[:4], "big", signed=True)


class LeaseLost(RuntimeError):
    """Another worker failed or took over this job while its runner was cut off."""


class JobLease:
    """Held from the moment a job is marked running until it ends.

    `seconds`: the lease time; when given, a thread renews the heartbeat every third of it.
    """

    def __init__(self, engine: Engine, job_id: str, seconds: float | None = None) -> None:
        self.job_id = job_id
        self.engine = engine
        self.runner = runner_id()
        self.lost = False
        self.renewals = LoopState(f"harvest lease {job_id}")
        self._conn: Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if engine.dialect.name == "postgresql":
            conn = engine.connect()
            conn.execute(
                text("SELECT pg_advisory_lock(:c, :k)"), {"c": LOCK_CLASS, "k": _key(job_id)}
            )
            conn.commit()
            self._conn = conn
        RUNNING_HERE.add(job_id)
        if seconds is not None:
            self._thread = threading.Thread(
                target=self._renew_every, args=(seconds / 3,), name="harvest-lease", daemon=True
            )
            self._thread.start()

    def check(self) -> None:
        """Raise `LeaseLost` if the job is no longer this runner's."""
        if self.lost:
            raise LeaseLost(f"harvest job {self.job_id} was taken over while cut off")

    def _renew_every(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.renew()
                self.renewals.ok()
            except Exception as exc:  # the database is away: try again next round
                self.renewals.failed(exc, "renewing the heartbeat")
            if self.lost:
                return

    def renew(self) -> None:
        """Take the lock again if its connection died, then move the heartbeat on."""
        key = {"c": LOCK_CLASS, "k": _key(self.job_id)}
        if self.engine.dialect.name == "postgresql":
            conn = self._conn
            if conn is None or conn.invalidated or conn.closed:
                self._drop_connection()
                conn = self.engine.connect()
                held = conn.scalar(text("SELECT pg_try_advisory_lock(:c, :k)"), key)
                conn.commit()
                if not held:
                    conn.close()
                    self.lost = True
                    return
                self._conn = conn
            else:
                try:
                    conn.execute(text("SELECT 1"))
                    conn.commit()
                except Exception:
                    self._drop_connection()
                    raise
        with self.engine.begin() as conn:
            renewed = conn.execute(
                update(HarvestJob)
                .where(
                    HarvestJob.id == self.job_id,
                    HarvestJob.status == "running",
                    HarvestJob.runner == self.runner,
                )
                .values(heartbeat=utcnow())
            ).rowcount
        if not renewed:
            self.lost = True

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
            except Exception:  # already gone
                log.debug("harvest lease: dropping a dead connection", exc_info=True)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
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
        except Exception:  # the connection is broken (the server dropped the lock with it)
            conn.invalidate()
            log.warning("harvest job %s: lease connection was lost before release", self.job_id)

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


def expired(job: HarvestJob, seconds: float | None) -> bool:
    """The job's heartbeat is older than two renewals of a `seconds` lease (None: no lease
    time, only the process or lock decides)."""
    if seconds is None:
        return True
    beat = job.heartbeat or job.started
    return beat is None or utcnow() - beat > timedelta(seconds=seconds * 2 / 3)


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
