"""A `catalog worker` killed with SIGKILL in the middle of a job (issue 16).

Another worker sees the job's lease lapse, fails the job with the reason within the lease
time, and queues a recovery job that finishes the run: the catalogue ends with the same
datasets as a clean run, none lost and none twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from app.db import session_scope
from app.harvest.worker import Worker
from app.models import HarvestJob
from tests.conftest import Backend
from tests.faults.load import wait_for
from tests.faults.test_pg_restart import _job, _queue, harvested
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source
from tests.harvest.servers import FixtureServer

LEASE = 3.0  # seconds


def test_a_killed_workers_job_is_failed_within_the_lease_and_finished_by_another(
    backend: Backend, http_server: FixtureServer
) -> None:
    portal = CkanPortal(http_server, count=40)
    portal.delay = 0.3  # 10 pages of 4: the run lasts about 3 s
    add_source(backend, "sapporo-portal", portal.url, rows=4)
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": backend.url,
        "CATALOG_HARVEST_ALLOWED_HOSTS": "127.0.0.1",
        "CATALOG_HARVEST_POLL_SECONDS": "0.2",
        "CATALOG_HARVEST_LEASE_SECONDS": str(LEASE),
        "CATALOG_SEARCH_MEMORY": "off",
    }
    job_id = _queue(backend, "sapporo-portal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env=env,
        cwd=os.getcwd(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _job(backend, job_id).added >= 8, 60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_at = time.monotonic()
    finally:
        proc.kill()
        proc.wait()
    assert _job(backend, job_id).status == "running"  # killed mid-job: nobody ended it
    settings = backend.settings().model_copy(
        update={
            "harvest_allowed_hosts": "127.0.0.1",
            "harvest_poll_seconds": 0.2,
            "harvest_lease_seconds": LEASE,
        }
    )
    other = Worker(settings)
    other.start_thread()
    try:
        wait_for(lambda: _job(backend, job_id).status == "failed", 3 * LEASE)
        detected = time.monotonic() - killed_at
        with session_scope(backend.sessions) as session:
            recovery = session.scalars(
                select(HarvestJob).where(HarvestJob.trigger == "recovery")
            ).one()
            recovery_id = recovery.id
        wait_for(lambda: _job(backend, recovery_id).status in ("finished", "failed"), 60)
    finally:
        other.stop()
    dead = _job(backend, job_id)
    assert "stopped before it finished" in dead.message and "recovery job" in dead.message
    assert detected <= LEASE + 1.0, detected  # within the lease (+ one poll and a query)
    rerun = _job(backend, recovery_id)
    assert rerun.status == "finished" and rerun.errored == 0, rerun.message
    assert rerun.added + dead.added == 40  # what the killed run imported is kept
    clean = {p["title"] for p in portal.packages.values()}
    assert harvested(backend) == (40, 40, clean)
