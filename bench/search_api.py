"""package_search in-process: the action's cost per request against the bare memory-index lookup.

    python bench/search_api.py                          # 2,000 datasets, 400 calls per case
    python bench/search_api.py --n 10000 --db /tmp/cat10k.db --calls 1000 --profile

Builds a SQLite catalogue as bench/api.py does (or reuses `--db` if it exists), loads the memory
search index, then times per call, one read session per call as a request has:

* floor: the memory index answering the search (`app.search.memory._search` on the loaded
  index: matching, facet counting, the page of ids) with its per-generation caches off, no
  database and no JSON;
* action: what the lean package_search route runs (app.api.hot_reads.package_search), i.e. the
  action in a read session (freshness check, paging memo, stored dicts, facet titles) plus the
  response body as orjson bytes; with the caches on (the bench's 8 queries repeat, as
  bench/api.py's do) and off (every search computed, as for a query never seen before).

It prints CPU ms per call (time.process_time: the machine is shared) and the ratio
floor/action for `package_search q` (q=<2 Japanese characters>, rows=10) and the same with
three facets, as bench/api.py's endpoints ask. bench/api.py measures HTTP.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.accounts.actor import ANONYMOUS  # noqa: E402
from app.api.ckan import package_search as search_action  # noqa: E402
from app.api.ckan.envelope import success  # noqa: E402
from app.api.ckan.params import ActionRequest, data_dict  # noqa: E402
from app.api.ckan.registry import ActionContext  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_read_sessionmaker  # noqa: E402
from app.search import memory  # noqa: E402
from app.search.compile import compile_params  # noqa: E402
from app.search.memory import evaluate, registry  # noqa: E402
from app.search.params import SearchParams  # noqa: E402
from bench.api import BENCH_BASE_URI, QUERIES, build  # noqa: E402

CASES: dict[str, dict[str, Any]] = {
    "package_search q": {"rows": "10"},
    "search +3 facets": {"rows": "10", "facet.field": '["organization","tags","res_format"]'},
}


def timed(call: Callable[[int], object], calls: int) -> float:
    """CPU ms per call of this process (load-independent, unlike wall time on a shared box)."""
    start = time.process_time()
    for i in range(calls):
        call(i)
    return (time.process_time() - start) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="datasets (when building)")
    parser.add_argument("--db", default="/tmp/bench-search-api.db", help="SQLite file to reuse")
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--profile", action="store_true", help="cProfile of the facet case")
    args = parser.parse_args()
    os.environ["CATALOG_BASE_URI"] = BENCH_BASE_URI
    url = f"sqlite:///{args.db}"
    if not Path(args.db).exists():
        build(url, args.n)
    settings = Settings(database_url=url)
    engine = make_engine(url)
    sessions = make_read_sessionmaker(engine)
    registry.configure(wait=True)

    def action(extra: dict[str, str]) -> Callable[[int], object]:
        def call(i: int) -> object:
            query = {"q": QUERIES[i % len(QUERIES)], **extra}
            data = data_dict(ActionRequest("GET", None, query), read_action=True)
            with sessions() as session:
                ctx = ActionContext(session=session, actor=ANONYMOUS, settings=settings)
                result = search_action.package_search(ctx, data)
                session.commit()
            return success(settings, "package_search", result).body

        return call

    def floor(extra: dict[str, str]) -> Callable[[int], object]:
        fields = orjson.loads(extra["facet.field"]) if "facet.field" in extra else []
        with sessions() as session, registry.ready(session) as index:
            assert index is not None, "the memory index did not load"
            loaded = index

        def call(i: int) -> object:
            params = SearchParams(q=QUERIES[i % len(QUERIES)], rows=10, facet_fields=fields)
            return memory._search(loaded, ANONYMOUS, params, compile_params(params))

        return cold(call)

    def cold(call: Callable[[int], object]) -> Callable[[int], object]:
        """`call` with the memory index's per-generation caches off (every search computed)."""

        def uncached(i: int) -> object:
            sizes = memory._results.size, evaluate._recent.size
            memory._results.size = evaluate._recent.size = 0
            try:
                return call(i)
            finally:
                memory._results.size, evaluate._recent.size = sizes

        return uncached

    with sessions() as session:
        n = session.execute(text("SELECT count(*) FROM dataset")).scalar_one()
    print(f"{n:,} datasets (SQLite), {args.calls} calls per case, load {os.getloadavg()[0]:.1f}")
    print("CPU ms per call; floor = the memory index computing the search (no caches);")
    print("action = the lean route's work (caches on: repeated queries; off: every one computed)")
    print(f"{'endpoint':18} {'floor':>7} {'action':>7} {'ratio':>6} | {'uncached':>8} {'ratio':>6}")
    for label, extra in CASES.items():
        ours, bare, ours_cold = action(extra), floor(extra), cold(action(extra))
        for call in (ours, bare, ours_cold):
            timed(call, 30)
        f = timed(bare, args.calls)
        a = timed(ours, args.calls)
        c = timed(ours_cold, args.calls)
        print(f"{label:18} {f:7.3f} {a:7.3f} {f / a:6.2f} | {c:8.3f} {f / c:6.2f}")
    if args.profile:
        prof = cProfile.Profile()
        ours = action(CASES["search +3 facets"])
        prof.enable()
        timed(ours, args.calls)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    engine.dispose()


if __name__ == "__main__":
    main()
