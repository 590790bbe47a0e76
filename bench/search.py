"""Search benchmark: generated Japanese catalogue records, SQLite FTS5 or PostgreSQL.

    python bench/search.py --backend sqlite --n 100000
    python bench/search.py --backend postgresql --n 1000000      # throwaway cluster
    python bench/search.py --backend postgresql --url postgresql+psycopg://...

What it does, and what it bypasses:

* builds a fresh database through the migrations, then bulk-loads N generated records
  straight into the search tables (search_doc, and search_source + the FTS5 table or the
  tsvector columns) with plain SQL / COPY. It bypasses the dataset service and the dataset
  tables (search never reads them), but the documents go through the same
  `SearchDocument.texts()` tokenisation the service uses;
* times the build (tokenising, loading, index creation) and reports index sizes;
* runs ~30 queries of 1-6 characters through `app.search.service.search_datasets` (the
  real code path: parse, plan, count, first page of 20, facets) in four classes - plain,
  with an organisation filter, with facets (CKAN's defaults: organization, groups, tags,
  res_format, license_id), and both - and prints median and p95 per class, next to a
  baseline measured in the same run: the bare index lookup returning all matching ids.

The corpus imitates BASELINES.md: title + tags + 100-400 character description, ~2
distributions per dataset, ~1,800 publishers with a skewed distribution.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

# Run as `python bench/search.py` from the project root: make `app` and `tests` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_corpus import Row, generate, publishers
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app import migrate
from app.accounts.actor import ANONYMOUS
from app.db import make_engine, make_sessionmaker
from app.search import memory
from app.search.backend import TextMatch
from app.search.documents import SEPARATOR, IndexTexts, visibility_groups
from app.search.memory.evaluate import Matcher, as_array
from app.search.memory.registry import ready
from app.search.params import FieldFilter, SearchParams
from app.search.postgres import tsquery_positive
from app.search.query import parse
from app.search.repository import next_generation, pack_texts
from app.search.service import search_datasets
from app.search.sqlite_fts import fts5_expression

# fmt: off
QUERIES = [
    "川", "水", "館",                                    # 1 character
    "保育", "避難", "人口", "介護", "観光", "公園", "予算", "病院", "統計", "施設", "一覧",
    "避難所", "保育所", "図書館", "文化財",                  # 3
    "子育て支援", "指定避難", "公衆トイレ", "観光施設",          # 4-5
    "指定緊急避難", "地域別人口", "介護サービス", "令和5年",      # 4-6
    "AED", "CSV", "AED 設置", "保育 -介護",                # Latin, mixed, exclusion
]
# fmt: on
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]
CLASSES = ("raw", "raw-db", "q", "q+org", "q+facets", "q+org+facets")
DOC_COLUMNS = (
    "doc_id, dataset_id, name, title_key, title_exact, state, private, owner_org, organization, "
    "prefecture, license_id, standard_kind, metadata_modified, metadata_created, facets"
)


# --------------------------------------------------------------------------- loaders


def load_sqlite(engine: Engine, chunks: Iterator[tuple[list[Row], ...]], n: int) -> None:
    marks = ", ".join("?" * 15)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        done = 0
        for docs, texts in chunks:
            cur.executemany(f"INSERT INTO search_doc ({DOC_COLUMNS}) VALUES ({marks})", docs)
            # What SqliteFts5Backend.store writes, row by row there.
            cur.executemany(
                "INSERT INTO search_fts(rowid, title, body, keys) VALUES (?, ?, ?, ?)", texts
            )
            cur.executemany(
                "INSERT INTO search_source (doc_id, tokens) VALUES (?, ?)",
                [(d, pack_texts(IndexTexts(t, b, k))) for d, t, b, k in texts],
            )
            done += len(docs)
            print(f"\r  loaded {done:,}/{n:,}", end="", file=sys.stderr, flush=True)
        cur.execute("COMMIT")
        print(file=sys.stderr)
        cur.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def _copy_rows(cur: Any, table: str, columns: str, rows: list[Row]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_postgres(engine: Engine, chunks: Iterator[tuple[list[Row], ...]], n: int) -> float:
    """Load, then build the GIN index; returns the index build seconds."""
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        conn.autocommit = True
        conn.execute("DROP INDEX IF EXISTS ix_search_doc_tsv")
        # Staging rows carry the token text; to_tsvector runs in the INSERT ... SELECT, the
        # same SQL as PostgresBackend.store, set-wise.
        conn.execute(
            f"CREATE UNLOGGED TABLE bench_stage AS SELECT {DOC_COLUMNS} FROM search_doc "
            "WITH NO DATA"
        )
        conn.execute("ALTER TABLE bench_stage ADD COLUMN everything text, ADD COLUMN title text")
        done = 0
        for docs, texts in chunks:
            by_id = {d: (f" {SEPARATOR} ".join((t, b, k)), t) for d, t, b, k in texts}
            with conn.transaction(), conn.cursor() as cur:
                rows = [(*row, *by_id[row[0]]) for row in docs]
                _copy_rows(cur, "bench_stage", f"{DOC_COLUMNS}, everything, title", rows)
                cur.execute(
                    f"INSERT INTO search_doc ({DOC_COLUMNS}, tsv, title_tsv) "
                    f"SELECT {DOC_COLUMNS}, to_tsvector('simple', everything), "
                    "to_tsvector('simple', title) FROM bench_stage"
                )
                cur.execute("TRUNCATE bench_stage")
                # What PostgresBackend.store also writes: the tokens the memory index loads.
                sources = [(d, pack_texts(IndexTexts(t, b, k))) for d, t, b, k in texts]
                _copy_rows(cur, "search_source", "doc_id, tokens", sources)
            done += len(docs)
            print(f"\r  loaded {done:,}/{n:,}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        conn.execute("DROP TABLE bench_stage")
        conn.execute("SELECT setval(pg_get_serial_sequence('search_doc', 'doc_id'), %s)", (n,))
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (tsv)")
        gin_seconds = time.perf_counter() - t0
        conn.execute("VACUUM ANALYZE search_doc")
        return gin_seconds
    finally:
        raw.close()


def sizes(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            try:
                rows = conn.execute(
                    text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
                ).all()
                grouped: dict[str, int] = {}
                for name, size in rows:
                    key = "search_fts (FTS5 index)" if name.startswith("search_fts") else name
                    grouped[key] = grouped.get(key, 0) + int(size)
                return sorted(grouped.items(), key=lambda kv: -kv[1])[:8]
            except Exception:  # dbstat is optional in SQLite builds
                path = Path(str(engine.url.database))
                return [("database file", path.stat().st_size)]
        rows = conn.execute(
            text(
                "SELECT 'search_doc heap+toast', pg_table_size('search_doc') UNION ALL "
                "SELECT 'GIN ix_search_doc_tsv', pg_relation_size('ix_search_doc_tsv') UNION ALL "
                "SELECT 'search_doc btree indexes', pg_indexes_size('search_doc') "
                "  - pg_relation_size('ix_search_doc_tsv') UNION ALL "
                "SELECT 'tsv column (stored)', (SELECT sum(pg_column_size(tsv)) FROM search_doc) "
                "UNION ALL SELECT 'search_source (memory index input)', "
                "pg_total_relation_size('search_source')"
            )
        ).all()
        return [(str(a), int(b)) for a, b in rows]


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def raw_lookup(engine: Engine, q: str) -> Callable[[], int]:
    """The baseline: the bare full-text index lookup returning every matching id."""
    match = TextMatch(parse(q))
    if engine.dialect.name == "sqlite":
        positive, _negative = fts5_expression(match)
        sql = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q")
        arg = positive
    else:
        sql = text("SELECT doc_id FROM search_doc WHERE tsv @@ to_tsquery('simple', :q)")
        arg = tsquery_positive(match)

    def run() -> int:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET random_page_cost = 1.1"))
            return len(conn.execute(sql, {"q": arg}).all())

    return run


def raw_memory(sessions: Any, q: str) -> Callable[[], int]:
    """The baseline of the memory engine: its bitmap lookup, every matching id as an array
    (anonymous visibility, as the searches; no facets, no page)."""
    groups = visibility_groups(False, frozenset(), include_private=True, include_drafts=False)
    match = TextMatch(parse(q)).requiring(groups)

    def run() -> int:
        with sessions() as session, ready(session) as index:
            assert index is not None, "the memory index is not loaded"
            return len(as_array(Matcher(index).match(match)))

    return run


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--n", type=int, default=None, help="records (100k sqlite, 1M postgresql)")
    ap.add_argument("--url", help="database URL (default: a fresh file / throwaway cluster)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per query (after 1 warm)")
    ap.add_argument("--workers", type=int, default=2, help="processes generating the corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="also write the report here")
    ap.add_argument("--reuse", action="store_true", help="query an already loaded --url")
    ap.add_argument(
        "--engine",
        choices=["memory", "database"],
        default="memory",
        help="what answers the searches: the in-memory index (what the app uses) or the "
        "database's full-text index alone",
    )
    args = ap.parse_args()
    n = args.n or (100_000 if args.backend == "sqlite" else 1_000_000)

    cluster = None
    url = args.url
    if url is None and args.backend == "sqlite":
        path = Path(f"/tmp/bench_search_{n}.db")
        for suffix in ("", "-wal", "-shm") if not args.reuse else ():
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif url is None:
        from tests.pg_cluster import start_cluster

        cluster = start_cluster()
        url = cluster.create_database("bench_search")
    report: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    try:
        say(f"# search benchmark: {args.backend}, {n:,} records, {datetime.now():%Y-%m-%d %H:%M}")
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            present = conn.execute(text("SELECT count(*) FROM search_doc")).scalar_one()
        if args.reuse and present == n:
            say(f"reusing the {n:,} records already loaded (build not measured)")
        elif present:
            raise SystemExit(f"{url} already holds {present:,} records: use a fresh database")
        else:
            t0 = time.perf_counter()
            chunks = generate(n, args.seed, args.workers)
            gin = None
            if args.backend == "sqlite":
                load_sqlite(engine, chunks, n)
            else:
                gin = load_postgres(engine, chunks, n)
            build = time.perf_counter() - t0
            say(f"build (generate + tokenise + load + index): {build:,.1f} s")
            if gin is not None:
                say(f"  of which CREATE INDEX gin(tsv): {gin:,.1f} s")
        if args.backend == "postgresql":
            with engine.connect() as conn:
                names = ("shared_buffers", "work_mem", "max_parallel_workers_per_gather")
                shown = [f"{n}={conn.execute(text(f'SHOW {n}')).scalar_one()}" for n in names]
            say("server: " + ", ".join(shown) + " (random_page_cost=1.1 and jit=off per search)")
        say("index size:")
        for name, size in sizes(engine):
            say(f"  {name:<28} {size / 2**20:>10,.1f} MiB")
        sessions = make_sessionmaker(engine)
        if args.reuse or present == 0:
            # A new epoch: the memory index loads from scratch (also after a raw reload).
            with sessions() as session:
                next_generation(session, new_epoch=True)
                session.commit()
        memory.configure(enabled=True, wait=True)
        rss0, t0 = rss_mib(), time.perf_counter()
        with sessions() as session, ready(session) as index:
            assert index is not None, "the memory index did not load"
            loaded = len(index)
        say(
            f"memory index: loaded {loaded:,} documents in {time.perf_counter() - t0:,.1f} s, "
            f"process RSS +{rss_mib() - rss0:,.0f} MiB"
        )
        memory.configure(enabled=args.engine == "memory")
        say(f"searches answered by: the {args.engine} index")
        orgs = [p[0] for p in publishers()]

        def search(params: SearchParams) -> Callable[[], object]:
            def run() -> object:
                with sessions() as session:
                    result = search_datasets(session, ANONYMOUS, params)
                    session.rollback()
                    return result

            return run

        classes: dict[str, list[float]] = {k: [] for k in CLASSES}
        say("")
        say(f"{'query':<14}{'matched':>9}" + "".join(f"{k:>13}" for k in CLASSES))
        say("(ms, median of the timed runs per query)")
        total = search(SearchParams(rows=0))()
        for k, q in enumerate(QUERIES):
            org = FieldFilter("organization", (orgs[12 + (k * 7) % 60],))
            times = {
                "raw": timed(raw_memory(sessions, q), args.runs),
                "raw-db": timed(raw_lookup(engine, q), args.runs),
                "q": timed(search(SearchParams(q=q)), args.runs),
                "q+org": timed(search(SearchParams(q=q, filters=[org])), args.runs),
                "q+facets": timed(search(SearchParams(q=q, facet_fields=FACETS)), args.runs),
                "q+org+facets": timed(
                    search(SearchParams(q=q, filters=[org], facet_fields=FACETS)), args.runs
                ),
            }
            count = search(SearchParams(q=q, rows=0))().count  # type: ignore[attr-defined]
            for key, values in times.items():
                classes[key] += values
            cells = "".join(f"{statistics.median(v):>13.1f}" for v in times.values())
            share = count / max(1, total.count)  # type: ignore[attr-defined]
            say(f"{q:<14}{share:>8.1%} {cells}")
        say("")
        raw_median = statistics.median(classes["raw"])
        raw_p95 = p95(classes["raw"])
        say(f"{'class':<14}{'median':>9}{'p95':>9}{'/raw med':>10}{'/raw p95':>10}")
        for key, values in classes.items():
            med, high = statistics.median(values), p95(values)
            say(f"{key:<14}{med:>9.1f}{high:>9.1f}{med / raw_median:>10.2f}{high / raw_p95:>10.2f}")
        say("")
        say("raw = the memory index's bitmap lookup returning all matching ids as an array;")
        say("raw-db = the database index lookup returning all matching ids (FTS5 MATCH /")
        say("  tsv @@ with GIN); the ratios are to raw (the index that answers in the app).")
        say(f"q = search_datasets answered by the {args.engine} index: parse, count, first 20")
        say("  by relevance (anonymous visibility); facets = CKAN's defaults.")
        engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
