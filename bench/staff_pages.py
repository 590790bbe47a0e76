"""Staff account pages benchmark: each page's p50/p95 next to the public dataset page.

    python bench/staff_pages.py --n 2000     # SQLite file under /tmp, built through services

Builds a fresh SQLite catalogue (migrations + seed + N generated datasets:
`bench/pages_corpus.py`), makes an admin of the organisation holding the most datasets with
five API tokens, signs in through the form, then times `--runs` GETs of every account page
(Starlette's TestClient, in-process) and prints p50/p95 and the ratio of each p95 to the p95
of the public dataset page measured in the same run (the baseline).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient
from pages_corpus import load
from sqlalchemy import func, select

from app import migrate
from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.accounts.schemas import TokenCreate, UserCreate
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.main import create_app
from app.models import Dataset, Organization

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PASSWORD = "bench password 1"


def timed(client: TestClient, url: str, runs: int) -> list[float]:
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, headers=BROWSER)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2_000, help="datasets")
    ap.add_argument("--runs", type=int, default=40, help="timed requests per URL")
    args = ap.parse_args()
    path = Path(f"/tmp/bench_staff_{args.n}.db")
    url = f"sqlite:///{path}"
    print(f"# staff pages benchmark: SQLite, {args.n:,} datasets, {args.runs} runs per URL")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url))
    load(sessions, args.n)
    with session_scope(sessions) as session:
        org_id, count = session.execute(
            select(Dataset.owner_org, func.count())
            .group_by(Dataset.owner_org)
            .order_by(func.count().desc())
        ).first() or ("", 0)
        org = session.get(Organization, org_id)
        assert org is not None
        org_name = org.name
        dataset = session.scalars(select(Dataset.name).where(Dataset.owner_org == org_id)).first()
        accounts.create_user(session, SYSTEM, UserCreate(name="bench-admin", password=PASSWORD))
        accounts.set_member(session, SYSTEM, org_name, "bench-admin", "admin")
        for i in range(5):
            accounts.create_token(session, SYSTEM, TokenCreate(user="bench-admin", name=f"t{i}"))
    engine.dispose()
    print(f"the admin's organisation {org_name} holds {count:,} datasets")
    settings = Settings(database_url=url, search_memory="wait")
    with TestClient(create_app(settings)) as client:
        login = client.get("/user/login").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login)
        assert token is not None
        signed = client.post(
            "/user/login",
            data={"name": "bench-admin", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed.status_code == 200 and "bench-admin" in signed.text
        base_ms = timed(client, f"/dataset/{dataset}", args.runs)
        baseline = p95(base_ms)
        print(
            f"baseline: public dataset page, signed in: p50 {statistics.median(base_ms):.1f} ms,"
            f" p95 {baseline:.1f} ms"
        )
        print(f"{'page':<24}{'p50':>9}{'p95':>9}{'ratio':>8}")
        worst = 0.0
        for label, page in [
            ("sign-in form", "/user/login"),
            ("dashboard", "/dashboard"),
            ("API tokens", "/user/bench-admin/api-tokens"),
            ("members", f"/organization/members/{org_name}"),
            ("password", "/user/bench-admin/password"),
        ]:
            ms = timed(client, page, args.runs)
            worst = max(worst, p95(ms))
            print(
                f"{label:<24}{statistics.median(ms):>7.1f}ms{p95(ms):>7.1f}ms"
                f"{p95(ms) / baseline:>7.2f}x"
            )
        print(f"slowest staff page p95: {worst:.1f} ms (target: <= 50 ms)")


if __name__ == "__main__":
    main()
