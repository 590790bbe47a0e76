"""Time to serve: the memory index from a full database load vs from its snapshot file.

    python bench/memory_snapshot.py --n 100000 --out bench/results/memory-snapshot-....txt

Builds (once; kept at /tmp/bench_snapshot_<n>.db for reruns) a SQLite database of N
generated records with bench/search.py's loader, then, in the same run:

1. a fresh process loads the memory index from the database (snapshots off);
2. a fresh process writes the snapshot file (`registry.write_snapshot`, full load);
3. `--writes` documents are changed and deleted after the snapshot (catch_up has work);
4. a fresh process loads the index from the snapshot + catches up.

"Time to serve" = from spawning the process until `ready()` yields an index that answered a
search (interpreter start and imports included); also the load alone, CPU seconds and RSS.
Both serving processes print a digest of the counts and facet counts of a few searches,
which must be equal (the snapshot + catch-up index answers like a full load).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUERIES = ["川", "保育", "避難所", "子育て支援", "AED", "保育 -介護", ""]
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def child(mode: str, url: str, snapshot: str) -> None:
    """One serving (or snapshot-writing) process; prints one JSON line."""
    started = time.perf_counter()
    from app.accounts.actor import ANONYMOUS
    from app.db import make_engine, make_sessionmaker
    from app.search import memory
    from app.search.memory import registry
    from app.search.params import SearchParams
    from app.search.service import search_datasets

    imported = time.perf_counter()
    engine = make_engine(url)
    cpu0 = time.process_time()
    out: dict[str, Any] = {"imports_s": imported - started}
    if mode == "write":
        memory.configure(enabled=True, wait=True, snapshot=snapshot)
        t0 = time.perf_counter()
        _path, documents, size = registry.write_snapshot(engine, reuse=False)
        out.update(write_s=time.perf_counter() - t0, documents=documents, bytes=size)
    else:
        memory.configure(enabled=True, wait=True, snapshot="off" if mode == "full" else snapshot)
        sessions = make_sessionmaker(engine)
        t0 = time.perf_counter()
        with sessions() as session, registry.ready(session) as index:
            assert index is not None, "the memory index did not load"
            documents = len(index)
        load = time.perf_counter() - t0
        with sessions() as session:
            first = search_datasets(session, ANONYMOUS, SearchParams(q="保育"))
        out.update(load_s=load, documents=documents, first_search_count=first.count)
        out["source"] = registry.status(engine, None).get("source")
        digest = hashlib.sha256()
        with sessions() as session:
            for q in QUERIES:
                result = search_datasets(session, ANONYMOUS, SearchParams(q=q, facet_fields=FACETS))
                ids = [item.id for item in result.results] if hasattr(result, "results") else []
                digest.update(repr((q, result.count, ids, result.facets)).encode())
        out["digest"] = digest.hexdigest()[:16]
    out["cpu_s"] = time.process_time() - cpu0
    out["rss_mib"] = rss_mib()
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["serve_s"] = time.perf_counter() - started
    print(json.dumps(out), flush=True)


def spawn(mode: str, url: str, snapshot: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--url", url, "--snapshot", snapshot],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall  # spawn -> exit: interpreter start, imports, load, searches
    return result


def build(url: str, n: int) -> None:
    from search import load_sqlite
    from search_corpus import generate
    from sqlalchemy import text

    from app import migrate
    from app.db import make_engine, make_sessionmaker
    from app.search.repository import next_generation

    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM search_doc")).scalar_one()
    if present == n:
        return
    if present:
        raise SystemExit(f"{url} holds {present:,} records, not {n:,}: delete it")
    t0 = time.perf_counter()
    load_sqlite(engine, generate(n, 1, 2), n)
    with make_sessionmaker(engine)() as session:
        next_generation(session, new_epoch=True)
        session.commit()
    print(f"built {n:,} records in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    engine.dispose()


def write_after(url: str, count: int) -> tuple[int, int]:
    """Change `count` documents (new title word) and delete `count` through the index
    repository, each batch in a transaction with its own generation; returns (changed, gone)."""
    from sqlalchemy import select, update

    from app.db import make_engine, make_sessionmaker
    from app.models.search import SearchDoc, SearchGone, SearchSource
    from app.search.repository import next_generation

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        ids = session.scalars(select(SearchDoc.doc_id).order_by(SearchDoc.doc_id)).all()
        changed, gone = ids[1 : 2 * count : 2], ids[2 : 2 * count + 1 : 2]
        generation = next_generation(session)
        session.execute(
            update(SearchDoc)
            .where(SearchDoc.doc_id.in_(changed))
            .values(generation=generation, license_id="bench-changed")
        )
        generation = next_generation(session)
        for doc_id in gone:
            session.add(SearchGone(doc_id=doc_id, generation=generation))
        session.execute(SearchSource.__table__.delete().where(SearchSource.doc_id.in_(gone)))
        session.execute(SearchDoc.__table__.delete().where(SearchDoc.doc_id.in_(gone)))
        session.commit()
    engine.dispose()
    return len(changed), len(gone)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--url")
    ap.add_argument("--snapshot", default="")
    ap.add_argument("--writes", type=int, default=1000, help="documents changed and deleted")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--child", choices=["full", "write", "snapshot"])
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    url = args.url or f"sqlite:////tmp/bench_snapshot_{args.n}.db"
    snapshot = args.snapshot or f"/tmp/bench_snapshot_{args.n}.snapshot"
    if args.child:
        child(args.child, url, snapshot)
        return
    build(url, args.n)
    if args.build_only:
        return
    report: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    say(
        f"# memory-index time to serve: sqlite, {args.n:,} records, {datetime.now():%Y-%m-%d %H:%M}"
    )
    say(f"uptime before: {uptime()}")
    Path(snapshot).unlink(missing_ok=True)
    write = spawn("write", url, snapshot)
    say(
        f"snapshot written (full load + write, own process): {write['write_s']:.1f} s, "
        f"{write['bytes'] / 2**20:.1f} MiB, {write['documents']:,} documents"
    )
    changed, gone = write_after(url, args.writes)
    say(f"after the snapshot: {changed:,} documents changed, {gone:,} deleted (2 generations)")
    full = spawn("full", url, snapshot)
    snap = spawn("snapshot", url, snapshot)
    assert snap["source"] == "snapshot", snap
    assert full["source"] == "database", full
    say("")
    say(f"{'':<28}{'full load':>12}{'snapshot':>12}{'ratio':>8}")
    rows = [
        ("load until ready() (s)", "load_s"),
        ("spawn -> answered (s)", "serve_s"),
        ("process wall incl. 7 q (s)", "wall_s"),
        ("CPU in load+searches (s)", "cpu_s"),
        ("RSS at the end (MiB)", "rss_mib"),
        ("max RSS (MiB)", "maxrss_mib"),
    ]
    for label, key in rows:
        say(f"{label:<28}{full[key]:>12.1f}{snap[key]:>12.1f}{snap[key] / full[key]:>8.2f}")
    say(f"{'documents':<28}{full['documents']:>12,}{snap['documents']:>12,}")
    say(f"{'digest of 7 searches+facets':<28}{full['digest']:>12}{snap['digest']:>12}")
    say(f"same answers: {full['digest'] == snap['digest']}")
    say(f"uptime after: {uptime()}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
