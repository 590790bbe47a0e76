"""Fault bench: how long the catalogue takes to recover after each fault, as a ratio to the
fault's own duration (issue 16).

    python bench/faults.py                 # defaults: 300 datasets, 3 s faults, 3 s lease
    python bench/faults.py --n 1000 --down 5

Each fault runs against a served app (uvicorn on 127.0.0.1, in this process) with three
clients reading the native search, CKAN's package_search and a Linked Data page in a loop:

* sqlite-lock: another connection holds `BEGIN EXCLUSIVE` on the SQLite file for `down` s
  (busy timeout 0.5 s), from before the app starts, so the memory-index loader and the
  scheduler meet it. Recovered when, after the release, a search answers 200, the memory
  index is loaded and the scheduler's loop is no longer failing.
* postgresql-restart: the bench's own PostgreSQL cluster is stopped for `down` s and
  started again (tests/pg_cluster.py). Recovered when a search answers 200 again.
* worker-sigkill: a `catalog worker` process is killed with SIGKILL in the middle of a
  harvest (lease `lease` s); another worker is running. The fault lasts the lease time
  (what the lease allows a silent runner); recovered when the job is failed with its reason
  and the recovery job has finished the run.

Printed per fault: its duration, the time to recover after it, their ratio, and what the
clients saw during it (status counts; a 0 would be a dropped or hung request).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import migrate
from app.accounts.actor import SYSTEM
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.harvest import service
from app.harvest.worker import Worker
from app.main import create_app
from app.models import HarvestJob, HarvestSource
from app.timeutil import utcnow
from tests.faults.load import Load
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source
from tests.harvest.servers import AppServer, FixtureServer
from tests.pg_cluster import start_cluster
from tests.search.corpus import make_corpus


class Db:
    def __init__(self, url: str, n: int) -> None:
        migrate.upgrade(url)
        self.url = url
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.name = "sqlite" if url.startswith("sqlite") else "postgresql"
        with session_scope(self.sessions) as session:
            load_seed(session, Settings(database_url=url))
            make_corpus(session, n)

    def settings(self, **changes: Any) -> Settings:
        base = Settings(database_url=self.url, harvest_allowed_hosts="127.0.0.1")
        return base.model_copy(update=changes)


def _wait(predicate: Any, timeout: float = 120.0) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"no recovery within {timeout} s")
        time.sleep(0.05)
    return time.monotonic()


def _row(name: str, down: float, recover: float, seen: Counter[int] | str) -> None:
    saw = dict(seen) if isinstance(seen, Counter) else seen
    print(
        f"{name:<26} fault {down:5.2f} s   recovered after {recover:5.2f} s   "
        f"ratio {recover / down:5.2f}   clients saw {saw}"
    )


def sqlite_lock(db: Db, down: float, portal: CkanPortal) -> None:
    add_source(db, "lock-portal", portal.url)  # type: ignore[arg-type]
    with session_scope(db.sessions) as session:
        source = session.scalars(
            select(HarvestSource).where(HarvestSource.name == "lock-portal")
        ).one()
        source.schedule, source.next_run_at = "* * * * *", utcnow() - timedelta(minutes=1)
    settings = db.settings(
        search_memory="on",
        search_memory_batch=50,
        db_busy_timeout=0.5,
        harvest_scheduler=True,
        harvest_poll_seconds=0.2,
    )
    holder = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with AppServer(create_app(settings)) as server, Load(server.url) as load:
        time.sleep(down)
        holder.execute("COMMIT")
        released = time.monotonic()

        def recovered() -> bool:
            body = httpx.get(f"{server.url}/readyz", timeout=10).json()
            return (
                any(s.status == 200 and s.at > released for s in load.seen)
                and body["search_memory_index"]["state"] == "ready"
                and body["harvest_scheduler"]["state"] == "ok"
            )

        done = _wait(recovered)
    holder.close()
    _row("sqlite-lock", down, done - released, load.statuses())


def pg_restart(db: Db, cluster: Any, down: float) -> None:
    with AppServer(create_app(db.settings(search_memory="on"))) as server, Load(server.url) as load:
        _wait(lambda: sum(s.status == 200 for s in load.seen) >= 6)
        cluster.stop_server()
        time.sleep(down)
        cluster.start_server()
        back = time.monotonic()
        done = _wait(lambda: any(s.status == 200 and s.at > back for s in load.seen))
    _row("postgresql-restart", down, done - back, load.statuses())


def _status(db: Db, job_id: str) -> HarvestJob:
    with session_scope(db.sessions) as session:
        job = session.get(HarvestJob, job_id)
        assert job is not None
        return job


def worker_sigkill(db: Db, lease: float, portal: CkanPortal) -> None:
    name = f"kill-portal-{db.name}"
    add_source(db, name, portal.url, rows=4)  # type: ignore[arg-type]
    with session_scope(db.sessions) as session:
        job_id = service.request_job(session, SYSTEM, name).id
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": db.url,
        "CATALOG_HARVEST_ALLOWED_HOSTS": "127.0.0.1",
        "CATALOG_HARVEST_POLL_SECONDS": "0.2",
        "CATALOG_HARVEST_LEASE_SECONDS": str(lease),
        "CATALOG_SEARCH_MEMORY": "off",
    }
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(lambda: _status(db, job_id).added >= 8)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = time.monotonic()
    other = Worker(db.settings(harvest_poll_seconds=0.2, harvest_lease_seconds=lease))
    other.start_thread()
    try:
        detected = _wait(lambda: _status(db, job_id).status == "failed")

        def finished() -> bool:
            with session_scope(db.sessions) as session:
                jobs = session.scalars(select(HarvestJob).where(HarvestJob.trigger == "recovery"))
                return any(j.status == "finished" for j in jobs)

        done = _wait(finished)
    finally:
        other.stop()
    _row(
        f"worker-sigkill/{db.name}",
        lease,
        done - killed,
        f"job failed {detected - killed:.2f} s after the kill (lease {lease:g} s)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="datasets in each catalogue")
    parser.add_argument("--down", type=float, default=3.0, help="seconds each outage lasts")
    parser.add_argument("--lease", type=float, default=3.0, help="harvest lease, seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    http = FixtureServer().start()
    portal = CkanPortal(http, count=40)
    portal.delay = 0.2
    cluster = start_cluster()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            lite = Db(f"sqlite:///{tmp}/catalog.db", args.n)
            pg = Db(cluster.create_database("bench_faults"), args.n)
            print(f"{args.n} datasets per catalogue; 3 reading clients; lease {args.lease:g} s")
            sqlite_lock(lite, args.down, portal)
            pg_restart(pg, cluster, args.down)
            # Fresh catalogues: the lock fault's scheduled source harvested the same portal.
            worker_sigkill(Db(f"sqlite:///{tmp}/kill.db", 0), args.lease, portal)
            worker_sigkill(Db(cluster.create_database("bench_faults_kill"), 0), args.lease, portal)
            pg.engine.dispose()
            lite.engine.dispose()
    finally:
        cluster.stop()
        http.stop()


if __name__ == "__main__":
    main()
