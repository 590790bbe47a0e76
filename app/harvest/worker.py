"""Running harvest jobs: queue what is due, claim a job, run it, repeat.

On PostgreSQL any number of `catalog worker` processes run this loop: due sources and queued
jobs are taken with SELECT ... FOR UPDATE SKIP LOCKED, so two workers never claim the same
job, and the partial unique index on harvest_job keeps one queued/running job per source.
On SQLite (the embedded default) a scheduler thread inside `catalog serve` runs the same loop
(SQLite's BEGIN IMMEDIATE makes each claim atomic). At start, and every sixth of the lease
time, jobs whose process died (or whose lease expired) are marked failed with the reason
(see app.harvest.lease); their source's next run starts normally.

The loop never dies: an error (a locked database, a lost connection, a bug) is logged with
its context, the loop backs off with jitter and goes on; its state (last tick, last error,
failures in a row) is what `/readyz` shows for the scheduler thread.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.faults.loops import Backoff, LoopState
from app.harvest import repository as repo
from app.harvest.lease import JobLease, expired, is_alive, runner_id
from app.harvest.runner import JobInterrupted, run_job
from app.harvest.schedule import next_run
from app.models import HarvestJob
from app.timeutil import utcnow

log = logging.getLogger(__name__)


def recover_dead_jobs(
    factory: sessionmaker[Session], lease_seconds: float | None = None, *, requeue: bool = False
) -> list[str]:
    """Mark failed the running jobs whose process (or lock) is gone and, given a lease
    time, whose heartbeat is older than two renewals; their ids. `requeue`: queue a new
    job for each such source at once (trigger "recovery"), which finishes the run: records
    already imported are recognised by their hash, so nothing is lost or doubled."""
    dead: list[str] = []
    with session_scope(factory) as session:
        for job in repo.running_jobs(session):
            if expired(job, lease_seconds) and not is_alive(session, job.id, job.runner):
                job.status = "failed"
                job.finished = utcnow()
                job.message = (
                    f"the process running this job ({job.runner}) stopped before it finished "
                    f"(killed, crashed or cut off from the database; last heartbeat "
                    f"{job.heartbeat}); marked failed by {runner_id()}. Records imported "
                    "before that are kept; the next run continues."
                )
                dead.append(job.id)
                if requeue:
                    session.flush()  # the failed job no longer holds the source's active slot
                    session.add(HarvestJob(source_id=job.source_id, trigger="recovery",
                                           full=job.full))  # fmt: skip
                    job.message += " A recovery job was queued to finish the run."
    for job_id in dead:
        log.warning("harvest job %s: its process died; marked failed", job_id)
    return dead


def enqueue_due(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Queue a job for each active source whose schedule is due; the number queued."""
    now = now or utcnow()
    queued = 0
    with session_scope(factory) as session:
        for source in repo.due_sources(session, now):
            source.next_run_at = next_run(source.schedule, now)
            try:
                with session.begin_nested():
                    session.add(HarvestJob(source_id=source.id, trigger="schedule"))
                    session.flush()
                queued += 1
            except IntegrityError:
                log.info("harvest source %s: previous job still active; run skipped", source.name)
    return queued


def claim(
    factory: sessionmaker[Session], engine: Engine, lease_seconds: float | None = None
) -> tuple[str, JobLease] | None:
    """Take the oldest queued job and mark it running, holding its lease; None if none."""
    session = factory()
    lease: JobLease | None = None
    try:
        job = repo.next_queued(session)
        if job is None:
            session.rollback()
            return None
        lease = JobLease(engine, job.id, lease_seconds)
        now = utcnow()
        job.status, job.started, job.heartbeat, job.runner = "running", now, now, runner_id()
        session.commit()
        return job.id, lease
    except BaseException:
        session.rollback()
        if lease is not None:
            lease.release()
        raise
    finally:
        session.close()


def run_once(
    factory: sessionmaker[Session], engine: Engine, settings: Settings
) -> HarvestJob | None:
    """Queue due sources, then run one queued job if there is one."""
    enqueue_due(factory)
    claimed = claim(factory, engine, settings.harvest_lease_seconds)
    if claimed is None:
        return None
    job_id, lease = claimed
    with lease:
        return run_job(factory, settings, job_id, lease=lease)


def settle(factory: sessionmaker[Session], job_id: str, message: str) -> None:
    """Write the end of a job this process was running when it lost the database."""
    with session_scope(factory) as session:
        job = session.get(HarvestJob, job_id)
        if job is not None and job.status == "running" and job.runner == runner_id():
            job.status, job.message, job.finished = "failed", message, utcnow()


class Worker:
    """The loop of `catalog worker` and of the scheduler thread in `catalog serve`."""

    def __init__(
        self, settings: Settings, poll: float | None = None, engine: Engine | None = None
    ):
        self.settings = settings
        self.poll = settings.harvest_poll_seconds if poll is None else poll
        self.engine = engine or make_engine(
            settings.effective_database_url, busy_timeout_ms=int(settings.db_busy_timeout * 1000)
        )
        self.factory = make_sessionmaker(self.engine)
        self.stop_event = threading.Event()
        # Backoff up to ten polls (at most 30 s): a worker polling often comes back soon.
        backoff = Backoff(base=min(0.5, self.poll), cap=min(30.0, max(1.0, 10 * self.poll)))
        self.state = LoopState("harvest-scheduler", backoff, detail={"poll_seconds": self.poll})
        # Jobs this process ran whose end it could not write (the database was away).
        self.unsettled: dict[str, str] = {}
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        lease = self.settings.harvest_lease_seconds
        last_recovery = -lease
        while not self.stop_event.is_set():
            wait = self.poll
            try:
                for job_id, message in list(self.unsettled.items()):
                    settle(self.factory, job_id, message)
                    del self.unsettled[job_id]
                if time.monotonic() - last_recovery > lease / 6:
                    recover_dead_jobs(self.factory, lease, requeue=True)
                    last_recovery = time.monotonic()
                enqueue_due(self.factory)
                claimed = claim(self.factory, self.engine, lease)
                self.state.ok()  # the loop is healthy; a long job must not look stuck
                if claimed is not None:
                    job_id, job_lease = claimed
                    with job_lease:
                        job = run_job(self.factory, self.settings, job_id, lease=job_lease)
                    log.info("harvest job %s %s: %s", job.id, job.status, job.message)
                    wait = 0.0
                    self.state.ok()
            except JobInterrupted as exc:
                self.unsettled[exc.job_id] = exc.message
                wait = self.state.failed(exc.__cause__ or exc, f"job {exc.job_id}")
            except Exception as exc:  # never die: log, back off with jitter, go on
                wait = self.state.failed(exc, "polling for due jobs")
            if wait:
                self.stop_event.wait(wait)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def report(self) -> dict[str, object]:
        return {"alive": self.alive, **self.state.report()}

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run, name="harvest-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)


def harvest_scheduler(settings: Settings, engine: Engine) -> Worker | None:
    """The scheduler thread of `catalog serve` on SQLite (None when off or on PostgreSQL)."""
    if not settings.harvest_scheduler or engine.dialect.name != "sqlite":
        return None
    worker = Worker(settings, engine=engine)
    worker.start_thread()
    return worker
