"""Running harvest jobs: queue what is due, claim a job, run it, repeat.

On PostgreSQL any number of `catalog worker` processes run this loop: due sources and queued
jobs are taken with SELECT ... FOR UPDATE SKIP LOCKED, so two workers never claim the same
job, and the partial unique index on harvest_job keeps one queued/running job per source.
On SQLite (the embedded default) a scheduler thread inside `catalog serve` runs the same loop
(SQLite's BEGIN IMMEDIATE makes each claim atomic). At start, and every minute, jobs whose
process died are marked failed (see app.harvest.lease).
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
from app.harvest import repository as repo
from app.harvest.lease import JobLease, is_alive, runner_id
from app.harvest.runner import run_job
from app.harvest.schedule import next_run
from app.models import HarvestJob
from app.timeutil import utcnow

log = logging.getLogger(__name__)
RECOVER_EVERY = 60.0


def recover_dead_jobs(factory: sessionmaker[Session]) -> list[str]:
    """Mark failed the running jobs whose process is gone; their ids."""
    dead: list[str] = []
    with session_scope(factory) as session:
        for job in repo.running_jobs(session):
            if not is_alive(session, job.id, job.runner):
                job.status = "failed"
                job.finished = utcnow()
                job.message = (
                    f"the process running this job ({job.runner}) stopped before it finished "
                    f"(killed or crashed); marked failed by {runner_id()}. Records imported "
                    "before that are kept; the next run continues."
                )
                dead.append(job.id)
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


def claim(factory: sessionmaker[Session], engine: Engine) -> tuple[str, JobLease] | None:
    """Take the oldest queued job and mark it running, holding its lease; None if none."""
    session = factory()
    lease: JobLease | None = None
    try:
        job = repo.next_queued(session)
        if job is None:
            session.rollback()
            return None
        lease = JobLease(engine, job.id)
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
    claimed = claim(factory, engine)
    if claimed is None:
        return None
    job_id, lease = claimed
    with lease:
        return run_job(factory, settings, job_id)


class Worker:
    """The loop of `catalog worker` and of the scheduler thread in `catalog serve`."""

    def __init__(self, settings: Settings, poll: float = 5.0, engine: Engine | None = None):
        self.settings = settings
        self.poll = poll
        self.engine = engine or make_engine(settings.effective_database_url)
        self.factory = make_sessionmaker(self.engine)
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        last_recovery = 0.0
        while not self.stop_event.is_set():
            job = None
            try:
                if time.monotonic() - last_recovery > RECOVER_EVERY:
                    recover_dead_jobs(self.factory)
                    last_recovery = time.monotonic()
                job = run_once(self.factory, self.engine, self.settings)
                if job is not None:
                    log.info("harvest job %s %s: %s", job.id, job.status, job.message)
            except Exception:  # the database may be away for a moment: keep the loop alive
                log.exception("harvest worker loop")
            if job is None:
                self.stop_event.wait(self.poll)

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
