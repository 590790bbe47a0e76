"""PostgreSQL restarted under load and in the middle of a harvest (issue 16).

The suite's own cluster is stopped and started again (`Cluster.restart`). Clients reading
during the outage get 503 with Retry-After in their surface's shape, never a 500 or a hang;
the web app and the harvest worker carry on without a restart of their own; the harvest's
next run ends with the same datasets as a clean run.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import func, select

from app.accounts.actor import SYSTEM
from app.db import session_scope
from app.harvest import service
from app.harvest.worker import Worker
from app.main import create_app
from app.models import Dataset, HarvestJob, HarvestRecord
from tests.conftest import Backend
from tests.faults.load import Load, check_unavailable, wait_for
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source
from tests.harvest.servers import AppServer, FixtureServer
from tests.pg_cluster import Cluster
from tests.search.corpus import make_corpus

DOWN = 2.0  # seconds the server stays down


@pytest.fixture
def pg(backend: Backend, pg_cluster: Cluster) -> Cluster:
    if backend.name != "postgresql":
        pytest.skip("restarts the PostgreSQL server")
    return pg_cluster


def test_searches_during_a_restart_get_503_then_answers(backend: Backend, pg: Cluster) -> None:
    with session_scope(backend.sessions) as session:
        make_corpus(session, 30)
    settings = backend.settings().model_copy(
        update={"search_memory": "on", "retry_after_seconds": 3}
    )
    with AppServer(create_app(settings)) as server, Load(server.url) as load:
        wait_for(lambda: sum(s.status == 200 for s in load.seen) >= 9, 60)
        pg.restart(down_seconds=DOWN)
        back = time.monotonic()
        recovered = wait_for(
            lambda: sum(s.status == 200 and s.at > back + 0.5 for s in load.seen) >= 3, 30
        )
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
    statuses = load.statuses()
    assert set(statuses) <= {200, 503}, statuses  # no 500, no dropped request, no hang
    assert statuses[503] >= 1, statuses  # the outage was seen, and said so
    for seen in load.seen:
        if seen.status == 503:
            check_unavailable(seen)
        assert seen.seconds < 10, seen  # the outage was 2 s: nobody waited much longer
    assert recovered < 10
    assert ready.status_code == 200 and ready.json()["database"]["reachable"] is True


def _job(backend: Backend, job_id: str) -> HarvestJob:
    with session_scope(backend.sessions) as session:
        job = session.get(HarvestJob, job_id)
        assert job is not None
        return job


def _queue(backend: Backend, name: str) -> str:
    with session_scope(backend.sessions) as session:
        return service.request_job(session, SYSTEM, name).id


def harvested(backend: Backend) -> tuple[int, int, set[str]]:
    """(datasets, harvest records, dataset titles) in the catalogue."""
    with session_scope(backend.sessions) as session:
        datasets = session.scalar(select(func.count()).select_from(Dataset)) or 0
        records = session.scalar(select(func.count()).select_from(HarvestRecord)) or 0
        titles = set(session.scalars(select(Dataset.title)))
    return datasets, records, titles


def test_a_harvest_through_a_restart_ends_like_a_clean_run(
    backend: Backend, pg: Cluster, http_server: FixtureServer
) -> None:
    portal = CkanPortal(http_server, count=40)
    portal.delay = 0.15  # 10 pages of 4: the run lasts a few seconds
    add_source(backend, "sapporo-portal", portal.url, rows=4)
    settings = backend.settings().model_copy(
        update={
            "harvest_allowed_hosts": "127.0.0.1",
            "harvest_poll_seconds": 0.2,
            "harvest_lease_seconds": 6.0,
        }
    )
    worker = Worker(settings)
    worker.start_thread()
    try:
        first = _queue(backend, "sapporo-portal")
        wait_for(lambda: _job(backend, first).added >= 8, 60)
        pg.restart(down_seconds=DOWN)
        wait_for(lambda: _job(backend, first).status in ("finished", "failed"), 60, 0.3)
        interrupted = _job(backend, first)
        second = _queue(backend, "sapporo-portal")
        wait_for(lambda: _job(backend, second).status in ("finished", "failed"), 60, 0.3)
        assert worker.alive  # the same worker, never restarted
    finally:
        worker.stop()
    if interrupted.status == "failed":
        assert "lost its database" in interrupted.message or "stopped" in interrupted.message
    rerun = _job(backend, second)
    assert rerun.status == "finished" and rerun.errored == 0, rerun.message
    clean = {p["title"] for p in portal.packages.values()}
    assert harvested(backend) == (40, 40, clean)  # nothing lost, nothing twice
