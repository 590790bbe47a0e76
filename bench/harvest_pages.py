"""Harvest staff pages: each page's p50/p95 next to the API call that reads the same data.

    python bench/harvest_pages.py --records 1000 --runs 200

Builds a fresh SQLite catalogue (migrations + seed), an admin of 011002 with an API token, a
CKAN source and one finished job whose report holds `--records` records (written as a run
writes them), serves the app in-process (Starlette's TestClient, the same for both sides),
warms each URL once, then times `--runs` requests of every page (signed in by the token) and
of its API twin, and prints p50/p95 per page and the ratio of the p95s (page / API).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from app import migrate
from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.accounts.schemas import TokenCreate, UserCreate
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.harvest import repository as repo
from app.harvest import service
from app.harvest.schemas import SourceIn
from app.main import create_app
from app.models import HarvestJob
from app.timeutil import utcnow

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def build(url: str, records: int) -> tuple[str, str]:
    """(API token of the admin, job id)."""
    migrate.upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url))
        accounts.create_user(session, SYSTEM, UserCreate(name="admin", password="bench pass"))
        accounts.set_member(session, SYSTEM, "011002", "admin", "admin")
        token = accounts.create_token(session, SYSTEM, TokenCreate(user="admin", name="b")).token
        data = SourceIn(
            name="portal", type="ckan", url="https://x.example.jp/", organization="011002"
        )
        service.create_source(session, SYSTEM, data)
        job = service.request_job(session, SYSTEM, "portal")
    with session_scope(sessions) as session:
        row = session.get(HarvestJob, job.id)
        assert row is not None
        row.status, row.started, row.finished, row.added = "finished", utcnow(), utcnow(), records
        repo.add_objects(
            session,
            job.id,
            [
                {
                    "remote_key": f"remote-{n:06d}",
                    "remote_url": f"https://x.example.jp/dataset/remote-{n:06d}",
                    "dataset_id": None,
                    "dataset_name": None,
                    "status": "added" if n % 10 else "errored",
                    "message": "category 'x' is not known here: kept in remote_categories",
                }
                for n in range(records)
            ],
        )
    return token, job.id


def timed(client: TestClient, url: str, headers: dict[str, str], runs: int) -> list[float]:
    assert client.get(url, headers=headers).status_code == 200, url
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        token, job = build(url, args.records)
        settings = Settings(database_url=url, search_memory="off", rate_limit_ip="")
        pairs = [
            ("list", "/harvest", "/api/v1/harvest/sources"),
            ("new form", "/harvest/new", "/api/v1/harvest/sources/portal"),
            ("edit form", "/harvest/portal/edit", "/api/v1/harvest/sources/portal"),
            ("source + jobs", "/harvest/portal", "/api/v1/harvest/sources/portal/jobs"),
            ("job report p1", f"/harvest/portal/job/{job}", f"/api/v1/harvest/jobs/{job}?limit=50"),
            (
                "job report errored p2",
                f"/harvest/portal/job/{job}?status=errored&page=2",
                f"/api/v1/harvest/jobs/{job}?limit=50&offset=50&status=errored",
            ),
        ]
        auth = {"Authorization": token}
        print(f"harvest pages, SQLite, {args.records} report records, {args.runs} runs each")
        print(f"{'page':24} {'p50 ms':>8} {'p95 ms':>8} {'API p95':>8} {'ratio':>6}")
        with TestClient(create_app(settings)) as client:
            for label, page, api in pairs:
                page_ms = timed(client, page, {**BROWSER, **auth}, args.runs)
                api_ms = timed(client, api, auth, args.runs)
                ratio = p95(page_ms) / p95(api_ms)
                print(f"{label:24} {statistics.median(page_ms):8.1f} {p95(page_ms):8.1f} "
                      f"{p95(api_ms):8.1f} {ratio:6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
