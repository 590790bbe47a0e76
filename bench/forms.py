"""Staff form pages benchmark: p50/p95 of the dataset and resource forms next to the JSON API
call that reads the same dataset (the baseline, measured in the same run).

    python bench/forms.py --n 2000          # SQLite file under /tmp, built through the service

Builds a fresh SQLite catalogue (migrations + seed, then N generated datasets through the
dataset service: `bench/pages_corpus.py`), adds an editor of one organisation and a sysadmin
(API tokens: the staff pages accept a token header as well as the browser session), serves
the app in-process (Starlette's TestClient), warms each URL once, then times `--runs`
requests of each; CPU/req is the process CPU time per request (client and server share the
process), which a busy shared host inflates less than wall time. The sysadmin's create form
offers every organisation (1,806, as a `<datalist>`); every dataset form carries the 180
measures and the 1,788 local-government codes as `<datalist>`s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient
from pages_corpus import load
from sqlalchemy import text

from app import migrate
from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.accounts.schemas import TokenCreate, UserCreate
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.main import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


CPU: dict[str, float] = {}  # url -> process CPU ms per request (less sensitive to a busy host)


def timed(client: TestClient, url: str, runs: int, headers: dict[str, str]) -> list[float]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    out = []
    cpu0 = time.process_time()
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    CPU[url + headers.get("Authorization", "")] = (time.process_time() - cpu0) * 1000 / runs
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2_000, help="datasets")
    ap.add_argument("--runs", type=int, default=40, help="timed requests per URL")
    args = ap.parse_args()
    path = Path(f"/tmp/bench_forms_{args.n}.db")
    url = f"sqlite:///{path}"
    print(f"# staff form pages benchmark: SQLite, {args.n:,} datasets, {args.runs} runs per URL")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url))
    load(sessions, args.n)
    with session_scope(sessions) as session:
        first = session.execute(
            text(
                "SELECT d.name, o.name FROM dataset d JOIN organization o ON o.id = d.owner_org "
                "ORDER BY d.name LIMIT 1"
            )
        ).one()
        dataset, org = str(first[0]), str(first[1])
        tokens = {}
        for user, sysadmin in (("bench-editor", False), ("bench-admin", True)):
            accounts.create_user(
                session, SYSTEM, UserCreate(name=user, password="correct horse", sysadmin=sysadmin)
            )
            if not sysadmin:
                accounts.set_member(session, SYSTEM, org, user, "editor")
            made = accounts.create_token(session, SYSTEM, TokenCreate(user=user, name="bench"))
            tokens[user] = made.token
    engine.dispose()
    editor = {**BROWSER, "Authorization": tokens["bench-editor"]}
    admin = {**BROWSER, "Authorization": tokens["bench-admin"]}
    settings = Settings(database_url=url, search_memory="wait")
    with TestClient(create_app(settings)) as client:
        resource = client.get(f"/api/v1/datasets/{dataset}").json()["resources"][0]["id"]
        rows = [
            ("create form (editor)", "/dataset/new", editor),
            ("create form (sysadmin)", "/dataset/new", admin),
            ("edit form", f"/dataset/edit/{dataset}", editor),
            ("delete confirmation", f"/dataset/delete/{dataset}", editor),
            ("resource add form", f"/dataset/{dataset}/resource/new", editor),
            ("resource edit form", f"/dataset/{dataset}/resource/{resource}/edit", editor),
        ]
        api_url = f"/api/v1/datasets/{dataset}"
        api_ms = timed(client, api_url, args.runs, {})
        print(
            f"baseline API GET /api/v1/datasets/{{name}}: p95 {p95(api_ms):.1f} ms, "
            f"CPU {CPU[api_url]:.1f} ms/request"
        )
        print(f"{'page':<26}{'p50':>9}{'p95':>9}{'ratio':>8}{'CPU/req':>10}")
        worst = 0.0
        for label, page, headers in rows:
            page_ms = timed(client, page, args.runs, headers)
            worst = max(worst, p95(page_ms))
            print(
                f"{label:<26}{statistics.median(page_ms):>7.1f}ms{p95(page_ms):>7.1f}ms"
                f"{p95(page_ms) / p95(api_ms):>7.2f}x"
                f"{CPU[page + headers['Authorization']]:>8.1f}ms"
            )
        print(f"slowest form page p95: {worst:.1f} ms (target: <= 50 ms)")


if __name__ == "__main__":
    main()
