"""Harvest benchmark: a full CKAN harvest, an incremental one with 1% changed, and memory.

    python bench/harvest.py                       # 10,000 full + incremental, RSS at 10k/100k
    python bench/harvest.py --n 2000 --big 0      # quicker, no 100k run
    python bench/harvest.py --n 2000 --big 0 --postgres   # also on a throwaway PostgreSQL

What it does:

* serves a generated CKAN portal from this process on 127.0.0.1 (a threaded http.server):
  package_search pages of complete package dicts (Japanese title, 100-400 character
  description, 3 tags, 2 resources, extras, groups), generated from the record number on
  each request (the server never holds the source), sorted by id or by metadata_modified,
  with the `metadata_modified:[X TO *]` filter incremental harvesters send;
* builds a fresh SQLite database (migrations + seed, as `catalog init`), registers the portal
  as a source, and runs each harvest job in a child process the way `catalog harvest run`
  does (guarded HTTP client, pages of 100, the dataset service for every write, history,
  search index, per-record report): so the server's CPU does not share a GIL with it;
* times, in the same run:
  - the floor: the same packages imported through the dataset service with
    `app.datasets.importer.import_package` (what `catalog import` does), 100 per
    transaction, with no HTTP and no harvest bookkeeping;
  - the full harvest of N datasets (end to end: HTTP, JSON, mapping, import, report);
  - an incremental run after 1% of the datasets changed at the source;
  - the same full harvest with the page's bulk writes switched off (each record's history,
    index and read-model rows written as it is imported: the path before issue 11), as a
    reference;
  and prints datasets/second, the ratio to the floor, to ckanext-harvest's ~1 dataset/s
  (BASELINES.md), the harvesting process's CPU time per dataset (user + system: what the
  load of other processes does not change), and the incremental run's cost as a share of
  the full run's;
* runs the full harvest of N and of BIG datasets in child processes and prints each child's
  peak RSS: pages are imported and committed one by one, so memory must not grow with the
  size of the source (only the set of ids seen does, ~100 bytes per record).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import migrate
from app.accounts.actor import SYSTEM
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.timeutil import ckan_format, parse_when

BASE_TIME = datetime(2023, 1, 1)
WORDS = (  # noqa: SIM905 (words are easier to read as one string)
    "避難所 保育所 人口 世帯 観光 施設 公園 交通 道路 河川 防災 医療 介護 子育て 教育 図書館 "
    "文化財 AED 公衆トイレ 消防水利 イベント 予算 決算 統計 地域 年齢別 公共施設 オープンデータ "
    "バス停 駐輪場 給水 ごみ 収集日 選挙 投票所 気象 地震 津波 浸水 想定 区域 一覧 位置情報"
).split(" ")
CITIES = ("札幌市", "函館市", "小樽市", "旭川市", "室蘭市", "釧路市", "帯広市", "北見市")


def _text(rng: random.Random, low: int, high: int) -> str:
    out: list[str] = []
    target = rng.randint(low, high)
    while sum(len(w) for w in out) < target:
        out.append(rng.choice(WORDS))
        if rng.random() < 0.15:
            out.append("。")
    return "".join(out)[:high]


class Source:
    """N generated packages; `changed` records have a second version, modified later."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.changed: frozenset[int] = frozenset()

    def modified(self, i: int) -> datetime:
        if i in self.changed:
            return BASE_TIME + timedelta(minutes=self.n, seconds=i)
        return BASE_TIME + timedelta(minutes=i)  # spread: an hour holds 60 records

    def package(self, i: int) -> dict[str, Any]:
        rng = random.Random(i)
        version = 2 if i in self.changed else 1
        city = CITIES[i % len(CITIES)]
        title = f"{city}の{_text(rng, 6, 20)}一覧 {i}" + ("（更新）" if version == 2 else "")
        return {
            "id": f"{i:08x}-0000-4000-8000-000000000000",
            "name": f"bench-{i:07d}",
            "title": title,
            "notes": _text(rng, 100, 400),
            "type": "dataset",
            "state": "active",
            "private": False,
            "license_id": rng.choice(("cc-by-4.0", "CC-BY-4.0", "pdl-1.0")),
            "organization": {"name": f"city-{i % 8}", "title": city},
            "owner_org": "remote-org",
            "metadata_created": ckan_format(BASE_TIME),
            "metadata_modified": ckan_format(self.modified(i)),
            "tags": [{"name": w} for w in dict.fromkeys(rng.choice(WORDS) for _ in range(3))],
            "groups": [{"name": "population-households"}],
            "extras": [{"key": "spatial", "value": f"北海道{city}"}],
            "resources": [
                {
                    "id": f"{i:08x}-0000-4000-8000-{r:012d}",
                    "url": f"https://opendata.example.jp/{i}/{r}.csv",
                    "name": f"データ {r}",
                    "format": "CSV" if r == 0 else "XLSX",
                }
                for r in range(2)
            ],
        }

    def select(self, fq: str, sort: str) -> list[int]:
        """Record numbers matching fq, in the requested order."""
        if "metadata_modified:[" not in fq:
            return list(range(self.n))  # id order = record order
        since = parse_when(fq.split("metadata_modified:[", 1)[1].split(" TO", 1)[0])
        first = max(0, int((since - BASE_TIME).total_seconds() // 60))
        old = [i for i in range(first, self.n) if i not in self.changed]
        new = sorted(self.changed, key=self.modified)
        return [i for i in old + new if self.modified(i) >= since]


def serve(source: Source) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if not parts.path.endswith("/package_search"):
                self.send_error(404)
                return
            ids = source.select(query.get("fq", ""), query.get("sort", ""))
            start, rows = int(query.get("start", 0)), int(query.get("rows", 10))
            page = [source.package(i) for i in ids[start : start + rows]]
            body = json.dumps(
                {"success": True, "result": {"count": len(ids), "results": page}},
                ensure_ascii=False,
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def fresh_db(folder: Path | Callable[[str], str], name: str) -> str:
    """A migrated, seeded database: a SQLite file in `folder`, or what `folder(name)` makes
    (a fresh PostgreSQL database)."""
    url = f"sqlite:///{folder / name}" if isinstance(folder, Path) else folder(name.split(".")[0])
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        load_seed(session, Settings(database_url=url))
    engine.dispose()
    return url


def add_source(url: str, portal: str) -> None:
    from app.harvest import service
    from app.harvest.schemas import SourceIn

    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        service.create_source(
            session,
            SYSTEM,
            SourceIn(name="bench", type="ckan", url=portal, organization="011002"),
        )
    engine.dispose()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_run(url: str, full: bool, batched: bool = True) -> None:
    """In a child process: one job as `catalog harvest run` runs it; prints JSON.
    `batched` False: each record's history, index and read-model rows are written as it is
    imported (the bulk page write is switched off), for the reference figure."""
    if not batched:
        from contextlib import nullcontext

        from app.datasets import history

        history.batched = lambda session: nullcontext()  # type: ignore[assignment,misc,return-value]
    from app.harvest import service
    from app.harvest.lease import JobLease
    from app.harvest.runner import run_job

    settings = Settings(database_url=url, harvest_allowed_hosts="127.0.0.1")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    start, cpu = time.perf_counter(), _cpu_seconds()
    with session_scope(sessions) as session:
        job = service.start_job(session, SYSTEM, "bench", full=full)
        lease = JobLease(engine, job.id)
    with lease:
        done = run_job(sessions, settings, job.id)
    seconds = time.perf_counter() - start
    stats = {k: getattr(done, k) for k in ("added", "updated", "unchanged", "deleted", "errored")}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "seconds": seconds,
        "cpu": _cpu_seconds() - cpu,
        "status": done.status,
        "mode": done.mode,
        "stats": stats,
    }
    print(json.dumps({**result, "message": done.message, "peak_mb": peak_kb / 1024}))


def child_floor(url: str, n: int) -> None:
    """The dataset service alone: import_package for n packages, 100 per transaction."""
    from app.datasets.importer import import_package

    source = Source(n)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    packages = [source.package(i) for i in range(n)]
    for pkg in packages:
        pkg["owner_org"] = "011002"
        pkg["license_id"] = pkg["license_id"].lower()  # the harvester maps ids; import does not
    start, cpu = time.perf_counter(), _cpu_seconds()
    for first in range(0, n, 100):
        with session_scope(sessions) as session:
            for pkg in packages[first : first + 100]:
                import_package(session, SYSTEM, pkg)
    print(json.dumps({"seconds": time.perf_counter() - start, "cpu": _cpu_seconds() - cpu}))


def in_child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _per_ds(run: dict[str, Any], n: int) -> str:
    return f"{1000 * run['cpu'] / n:.2f} ms CPU/dataset"


def bench_backend(label: str, where: Path | Callable[[str], str], args: Any) -> None:
    print(f"== {label}")
    floor = in_child("floor", fresh_db(where, "floor.db"), str(args.floor))
    floor_rate = args.floor / floor["seconds"]
    print(
        f"floor: service import (no HTTP)   {floor_rate:8.1f} datasets/s  "
        f"({_per_ds(floor, args.floor)})"
    )

    source = Source(args.n)
    server, portal = serve(source)
    url = fresh_db(where, "harvest.db")
    add_source(url, portal)
    full = in_child("run", url, "full")
    assert full["status"] == "finished" and full["stats"]["added"] == args.n, full
    rate = args.n / full["seconds"]
    print(
        f"full harvest of {args.n:,}           {rate:8.1f} datasets/s  "
        f"({full['seconds']:.1f} s; {rate / floor_rate:.2f}x the floor; "
        f"{rate:.0f}x ckanext-harvest's ~1/s; {_per_ds(full, args.n)}; "
        f"peak RSS {full['peak_mb']:.0f} MB)"
    )
    if args.reference:
        ref_url = fresh_db(where, "reference.db")
        add_source(ref_url, portal)
        ref = in_child("run", ref_url, "full", "per-record")
        assert ref["status"] == "finished" and ref["stats"]["added"] == args.n, ref
        ref_rate = args.n / ref["seconds"]
        print(
            f"  reference, per-record writes     {ref_rate:8.1f} datasets/s  "
            f"({ref['seconds']:.1f} s; {_per_ds(ref, args.n)}; bulk page writes "
            f"{ref['cpu'] / full['cpu']:.2f}x less CPU)"
        )
    source.changed = frozenset(range(0, args.n, 100))
    inc = in_child("run", url, "incremental")
    assert inc["status"] == "finished" and inc["mode"] == "incremental", inc
    changed = len(source.changed)
    print(
        f"incremental, {changed:,} changed (1%)    {inc['seconds']:8.2f} s  "
        f"= {100 * inc['seconds'] / full['seconds']:.1f}% of the full run; "
        f"stats {inc['stats']}"
    )
    server.shutdown()

    if args.big:
        big_source = Source(args.big)
        big_server, big_portal = serve(big_source)
        big_url = fresh_db(where, "big.db")
        add_source(big_url, big_portal)
        big = in_child("run", big_url, "full")
        big_server.shutdown()
        assert big["status"] == "finished" and big["stats"]["added"] == args.big, big
        print(
            f"full harvest of {args.big:,}          {args.big / big['seconds']:8.1f} "
            f"datasets/s  ({big['seconds']:.0f} s); peak RSS {big['peak_mb']:.0f} MB "
            f"vs {full['peak_mb']:.0f} MB at {args.n:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets for the timed runs")
    parser.add_argument("--big", type=int, default=100_000, help="datasets for the RSS run")
    parser.add_argument("--floor", type=int, default=2_000, help="datasets for the floor")
    parser.add_argument(
        "--no-reference", dest="reference", action="store_false",
        help="skip the per-record reference run",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", action="store_true",
        help="also on a throwaway PostgreSQL cluster (tests/pg_cluster.py), without --big",
    )  # fmt: skip
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "run":
            child_run(rest[0], rest[1] == "full", batched=rest[2:] != ["per-record"])
        else:
            child_floor(rest[0], int(rest[1]))
        return

    print(f"harvest benchmark: N={args.n:,}, BIG={args.big:,}, floor={args.floor:,}")
    with tempfile.TemporaryDirectory(prefix="bench-harvest-") as tmp:
        bench_backend("SQLite", Path(tmp), args)
    if args.postgres:
        from tests.pg_cluster import start_cluster

        cluster = start_cluster()
        try:
            args.big = 0
            bench_backend("PostgreSQL", cluster.create_database, args)
        finally:
            cluster.stop()
    print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
