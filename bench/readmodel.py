"""The read model in-process: per-call cost of the read endpoints' work, fresh vs stored.

    python bench/readmodel.py                       # 300 datasets, 400 calls per case, SQLite
    python bench/readmodel.py --n 1000 --calls 1000 --profile

Builds a fresh SQLite catalogue (as bench/api.py does: migrations, seed, generated Japanese
datasets imported through the dataset service, which fills the read model), then times, with
one short session per call as a request has, each surface's work both ways in the same run:

* fresh: load the dataset through the ORM (select-in loaders), build DatasetOut, render it
  (what the endpoints did before the read model, and still do when a row is missing);
* stored: one query for the stored bytes plus the per-request visibility check.

It prints ms per call and the speed-up (fresh / stored). No HTTP: bench/api.py measures that.
`--profile` adds cProfile's top functions (cumulative) for package_show both ways.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app.accounts.actor import ANONYMOUS  # noqa: E402
from app.api.ckan import actions_read  # noqa: E402
from app.api.ckan import repository as ckan_repo  # noqa: E402
from app.api.ckan.package_dict import package_dict  # noqa: E402
from app.api.ckan.registry import ActionContext  # noqa: E402
from app.config import Settings  # noqa: E402
from app.datasets import service as dataset_service  # noqa: E402
from app.datasets.convert import dataset_out  # noqa: E402
from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.dcat_export import service as svc  # noqa: E402
from app.models import Dataset  # noqa: E402
from app.readmodel import render  # noqa: E402
from app.readmodel import service as readmodel  # noqa: E402
from bench.api import build  # noqa: E402

Case = Callable[[Session, str], object]


def cases(settings: Settings, page: dict[str, list[str]]) -> dict[str, tuple[Case, Case]]:
    def show_fresh(s: Session, name: str) -> object:
        return orjson.dumps(package_dict(dataset_service.get_dataset(s, ANONYMOUS, name)))

    def show_stored(s: Session, name: str) -> object:
        ctx = ActionContext(session=s, actor=ANONYMOUS, settings=settings)
        return orjson.dumps(actions_read.package_show(ctx, {"id": name}))

    def v1_fresh(s: Session, name: str) -> object:
        return render.v1_record(dataset_service.get_dataset(s, ANONYMOUS, name))

    def v1_stored(s: Session, name: str) -> object:
        return readmodel.v1_record(s, ANONYMOUS, name)

    def ttl_fresh(s: Session, name: str) -> object:
        ctx = svc.build_context(s, settings)
        return render.dcat_document(svc.dataset(s, ANONYMOUS, name), ctx)

    def ttl_stored(s: Session, name: str) -> object:
        return readmodel.dcat_turtle(s, ANONYMOUS, name, settings)

    def page_fresh(s: Session, name: str) -> object:
        rows = ckan_repo.datasets_by_ids(s, page[name])
        return orjson.dumps([package_dict(dataset_out(d)) for d in rows])

    def page_stored(s: Session, name: str) -> object:
        found = readmodel.package_jsons(s, ANONYMOUS, page[name])
        return orjson.dumps([orjson.Fragment(b) for _i, b in found if b is not None])

    return {
        "package_show": (show_fresh, show_stored),
        "v1 dataset": (v1_fresh, v1_stored),
        "dataset .ttl": (ttl_fresh, ttl_stored),
        "search page (10 ids)": (page_fresh, page_stored),
    }


def timed(sessions: sessionmaker[Session], case: Case, names: list[str], calls: int) -> float:
    start = time.perf_counter()
    for i in range(calls):
        with sessions() as session:
            case(session, names[i % len(names)])
    return (time.perf_counter() - start) / calls * 1000


def profile(sessions: sessionmaker[Session], case: Case, names: list[str], calls: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    timed(sessions, case, names, calls)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(14)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="datasets in the catalogue")
    parser.add_argument("--calls", type=int, default=400, help="calls per case and way")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/catalog.db"
        build(url, args.n)
        settings = Settings(database_url=url)
        readmodel.configure(settings)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            rows = session.execute(select(Dataset.id, Dataset.name).order_by(Dataset.id)).all()
        names = [name for _id, name in rows]
        ids = [i for i, _name in rows]
        page = {name: ids[k : k + 10] for k, name in enumerate(names)}
        print(f"{args.n} datasets, {args.calls} calls per case (one session per call), SQLite")
        print(f"{'surface':22} {'fresh ms':>9} {'stored ms':>10} {'fresh/stored':>13}")
        for label, (fresh, stored) in cases(settings, page).items():
            timed(sessions, stored, names, 20)  # warm both paths
            timed(sessions, fresh, names, 20)
            f = timed(sessions, fresh, names, args.calls)
            s = timed(sessions, stored, names, args.calls)
            print(f"{label:22} {f:9.2f} {s:10.2f} {f / s:12.1f}x")
        if args.profile:
            show_fresh, show_stored = cases(settings, page)["package_show"]
            print("\n--- package_show, fresh path (cProfile, cumulative) ---")
            profile(sessions, show_fresh, names, args.calls)
            print("--- package_show, stored (cProfile, cumulative) ---")
            profile(sessions, show_stored, names, args.calls)
        engine.dispose()


if __name__ == "__main__":
    main()
