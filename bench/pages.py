"""Web page benchmark: each page's p95 next to the JSON API call that fetches the same data.

    python bench/pages.py --n 10000          # SQLite file under /tmp, built through the service
    python bench/pages.py --n 100000 --db /tmp/x.db --build-only   # build once (slow) ...
    python bench/pages.py --n 100000 --db /tmp/x.db --reuse        # ... then time it

A partly built file can be copied consistently while the build runs
(`sqlite3 /tmp/x.db ".backup /tmp/snap.db"`: whole batches of 500, one transaction each)
and timed with `--reuse --db /tmp/snap.db`.

Builds a fresh SQLite catalogue (migrations + seed, then N generated datasets created through
the dataset service: `bench/pages_corpus.py`), serves the app in-process (Starlette's
TestClient: no network, the same for both sides), warms each URL once, then times `--runs`
requests of every page and of its API twin and prints p50/p95 per page and the ratio of the
p95s (page / API). The in-memory search index is loaded first ("wait"), as a running server
has it after start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient
from pages_corpus import load

from app import migrate
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.main import create_app
from app.web.search_state import FACETS

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ALL_FACETS = "".join(f"&facet={f}" for f in FACETS)


def pairs(dataset: str, org: str) -> list[tuple[str, str, str]]:
    """(label, page URL, API URL fetching the same data)."""
    search = f"/api/v1/search?limit=20&facet_limit=100{ALL_FACETS}"
    return [
        ("home", "/", "/api/v1/search?limit=6&facet=organization&facet=category&facet_limit=-1"),
        ("search (no query)", "/dataset", search),
        ("search 保育", "/dataset?q=保育", search + "&q=保育"),
        (
            "search 保育 + prefecture",
            "/dataset?q=保育&prefecture=北海道",
            search + "&q=保育&prefecture=北海道",
        ),
        ("search 2 words, page 3", "/dataset?q=防災+地図&page=3", search + "&q=防災+地図&page=3"),
        ("dataset", f"/dataset/{dataset}", f"/api/v1/datasets/{dataset}"),
        ("organisation list", "/organization", "/api/v1/organizations"),
        ("organisation", f"/organization/{org}", search + f"&organization={org}"),
        ("measure list", "/measure", "/api/v1/measures"),
        ("measure", "/measure/02-24", "/api/v1/measures/02-24"),
        ("category list", "/category", "/api/v1/categories"),
        (
            "category",
            "/category/social-security-health",
            search + "&category=social-security-health",
        ),
    ]


def timed(
    client: TestClient, url: str, runs: int, headers: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request (CPU: this process, all threads; on a
    shared machine it stays near what the request costs while the wall clock does not)."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
    return wall, cpu


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="datasets")
    ap.add_argument("--runs", type=int, default=40, help="timed requests per URL")
    ap.add_argument("--reuse", action="store_true", help="reuse the database file if it exists")
    ap.add_argument("--db", type=Path, help="SQLite file (default /tmp/bench_pages_N.db)")
    ap.add_argument("--build-only", action="store_true", help="build the file, time nothing")
    args = ap.parse_args()
    path = args.db or Path(f"/tmp/bench_pages_{args.n}.db")
    url = f"sqlite:///{path}"
    print(f"# web pages benchmark: SQLite, {args.n:,} datasets, {args.runs} runs per URL")
    if not (args.reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        migrate.upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with session_scope(sessions) as session:
            load_seed(session, Settings(database_url=url))
        t0 = time.perf_counter()
        load(sessions, args.n, progress=lambda d: print(f"  {d:,} created", end="\r"))
        took = time.perf_counter() - t0
        print(f"build: {args.n:,} datasets through the dataset service in {took:,.0f} s")
        engine.dispose()
    if args.build_only:
        return
    settings = Settings(database_url=url, search_memory="wait")
    with TestClient(create_app(settings)) as client:
        first = client.get("/api/v1/search?limit=1&facet=organization&facet_limit=1").json()
        dataset = first["items"][0]["name"]
        org = first["facets"]["organization"][0]["value"]
        print(os.popen("uptime").read().strip())
        print(
            f"{'page':<28}{'page p50':>10}{'page p95':>10}{'API p95':>10}{'ratio':>8}"
            f"{'page CPU p50':>14}{'p95':>8}{'API CPU p50':>13}"
        )
        worst = worst_cpu = 0.0
        for label, page, api in pairs(dataset, org):
            page_ms, page_cpu = timed(client, page, args.runs, BROWSER)
            api_ms, api_cpu = timed(client, api, args.runs, {})
            worst = max(worst, p95(page_ms))
            worst_cpu = max(worst_cpu, p95(page_cpu))
            print(
                f"{label:<28}{statistics.median(page_ms):>8.1f}ms{p95(page_ms):>8.1f}ms"
                f"{p95(api_ms):>8.1f}ms{p95(page_ms) / p95(api_ms):>7.2f}x"
                f"{statistics.median(page_cpu):>12.1f}ms{p95(page_cpu):>6.1f}ms"
                f"{statistics.median(api_cpu):>11.1f}ms"
            )
        print(os.popen("uptime").read().strip())
        print(f"slowest page p95: {worst:.1f} ms wall, {worst_cpu:.1f} ms CPU (target: <= 50 ms)")


if __name__ == "__main__":
    main()
