"""Workers: claiming with SKIP LOCKED, one active job per source, dead jobs, schedules."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.accounts.actor import SYSTEM
from app.db import session_scope
from app.errors import Conflict
from app.harvest import service
from app.harvest.worker import claim, enqueue_due, recover_dead_jobs, run_once
from app.main import create_app
from app.models import HarvestJob, HarvestSource
from app.timeutil import utcnow
from tests.conftest import Accounts, Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source
from tests.harvest.servers import FixtureServer


def _queue(backend: Backend, name: str) -> str:
    with session_scope(backend.sessions) as session:
        return service.request_job(session, SYSTEM, name).id


def _job(backend: Backend, job_id: str) -> HarvestJob:
    with session_scope(backend.sessions) as session:
        job = session.get(HarvestJob, job_id)
        assert job is not None
        return job


def test_two_workers_racing_run_a_job_once(backend: Backend, http_server: FixtureServer) -> None:
    portal = CkanPortal(http_server)
    add_source(backend, "sapporo-portal", portal.url)
    job_id = _queue(backend, "sapporo-portal")
    settings = backend.settings().model_copy(update={"harvest_allowed_hosts": "127.0.0.1"})
    barrier = threading.Barrier(2)
    results: list[HarvestJob | None] = []

    def worker() -> None:
        barrier.wait()
        results.append(run_once(backend.sessions, backend.engine, settings))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ran = [r for r in results if r is not None]
    assert len(results) == 2 and len(ran) == 1
    assert ran[0].id == job_id and ran[0].status == "finished" and ran[0].added == 8
    searches = [r for r in http_server.requests if r.path.endswith("package_search")]
    assert len(searches) == 1  # the source was harvested once


def test_skip_locked_gives_racing_claims_different_jobs(
    backend: Backend, http_server: FixtureServer
) -> None:
    if backend.name != "postgresql":
        pytest.skip("SQLite serialises claims with BEGIN IMMEDIATE")
    portal = CkanPortal(http_server)
    for name in ("portal-a", "portal-b"):
        add_source(backend, name, portal.url)
        _queue(backend, name)
    # Hold the first claim's row lock open while a second worker claims: it must skip it.
    session = backend.sessions()
    from app.harvest import repository as repo

    first = repo.next_queued(session)
    assert first is not None
    claimed = claim(backend.sessions, backend.engine)
    assert claimed is not None and claimed[0] != first.id
    claimed[1].release()
    assert claim(backend.sessions, backend.engine) is None  # the other one is still locked
    session.rollback()
    session.close()


def test_never_two_active_jobs_for_one_source(backend: Backend, http_server: FixtureServer) -> None:
    add_source(backend, "sapporo-portal", CkanPortal(http_server).url)
    _queue(backend, "sapporo-portal")
    with pytest.raises(Conflict, match="already has a job queued or running"):
        _queue(backend, "sapporo-portal")
    with (
        pytest.raises(Conflict, match="already has a job"),
        session_scope(backend.sessions) as session,
    ):
        service.start_job(session, SYSTEM, "sapporo-portal")


HOLDER = """
import sys, time
from app.accounts.actor import SYSTEM
from app.db import make_engine, make_sessionmaker, session_scope
from app.harvest import service
from app.harvest.lease import JobLease
engine = make_engine(sys.argv[1])
with session_scope(make_sessionmaker(engine)) as session:
    job = service.start_job(session, SYSTEM, sys.argv[2])
    lease = JobLease(engine, job.id)
print(job.id, flush=True)
time.sleep(120)
"""


def test_a_job_whose_process_was_killed_is_marked_failed(
    backend: Backend, http_server: FixtureServer
) -> None:
    add_source(backend, "sapporo-portal", CkanPortal(http_server).url)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, backend.url, "sapporo-portal"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        assert proc.stdout is not None
        job_id = proc.stdout.readline().strip()
        assert job_id, "the job-holding process did not start"
        assert recover_dead_jobs(backend.sessions) == []  # alive: left alone
        assert _job(backend, job_id).status == "running"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        for _ in range(50):
            if recover_dead_jobs(backend.sessions):
                break
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    job = _job(backend, job_id)
    assert job.status == "failed" and "stopped before it finished" in job.message
    # The source is free again.
    assert _queue(backend, "sapporo-portal")


def test_due_schedules_are_queued_once_and_moved_on(
    backend: Backend, http_server: FixtureServer
) -> None:
    add_source(backend, "sapporo-portal", CkanPortal(http_server).url)
    now = utcnow()
    with session_scope(backend.sessions) as session:
        source = session.query(HarvestSource).one()
        assert source.next_run_at is not None and source.next_run_at > now
        source.next_run_at = now - timedelta(minutes=1)
    assert enqueue_due(backend.sessions, now) == 1
    assert enqueue_due(backend.sessions, now) == 0  # not due any more
    with session_scope(backend.sessions) as session:
        source = session.query(HarvestSource).one()
        assert source.next_run_at is not None and source.next_run_at > now
        jobs = session.query(HarvestJob).all()
        assert [(j.status, j.trigger) for j in jobs] == [("queued", "schedule")]


def test_the_worker_keeps_going_after_a_broken_source(
    backend: Backend, http_server: FixtureServer
) -> None:
    broken = CkanPortal(http_server)
    broken.status = 500
    other = FixtureServer().start()
    try:
        good = CkanPortal(other)
        add_source(backend, "broken-portal", broken.url)
        add_source(backend, "good-portal", good.url)
        _queue(backend, "broken-portal")
        _queue(backend, "good-portal")
        settings = backend.settings().model_copy(update={"harvest_allowed_hosts": "127.0.0.1"})
        first = run_once(backend.sessions, backend.engine, settings)
        second = run_once(backend.sessions, backend.engine, settings)
    finally:
        other.stop()
    assert first is not None and first.status == "failed" and "HTTP 500" in first.message
    assert second is not None and second.status == "finished" and second.added == 8


def test_scheduler_thread_of_the_web_process_runs_queued_jobs(
    backend: Backend, http_server: FixtureServer, users: Accounts
) -> None:
    if backend.name != "sqlite":
        pytest.skip("on PostgreSQL `catalog worker` processes run jobs, not the web process")
    add_source(backend, "sapporo-portal", CkanPortal(http_server).url)
    admin = users.make("sapporo-admin", org="011002", role="admin")
    settings = backend.settings().model_copy(
        update={"harvest_allowed_hosts": "127.0.0.1", "harvest_scheduler": True}
    )
    with TestClient(create_app(settings)) as client:
        resp = client.post("/api/v1/harvest/sources/sapporo-portal/jobs", headers=admin.headers)
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["id"]
        for _ in range(100):
            job = client.get(f"/api/v1/harvest/jobs/{job_id}").json()["job"]
            if job["status"] in ("finished", "failed"):
                break
            time.sleep(0.1)
    assert job["status"] == "finished" and job["stats"]["added"] == 8
    assert not any(t.name == "harvest-scheduler" for t in threading.enumerate())  # stopped
