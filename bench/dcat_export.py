"""DCAT export benchmark: our streaming writers against the rdflib way, and export memory.

    python bench/dcat_export.py                  # 10,000 for the comparison, RSS at 10k and 100k
    python bench/dcat_export.py --n 2000 --big 20000 --skip-rdflib-formats ttl   # quicker

What it does, and what it bypasses:

* builds a fresh SQLite database under a temporary folder through the migrations and the seed
  loader (as `catalog init` does), then bulk-inserts generated datasets with SQLAlchemy Core
  `executemany` straight into the dataset, resource, tag and link tables. That bypasses the
  dataset service (validation, history, search index), which the export never reads; it is
  ~100x faster than creating 100,000 datasets through the service. The corpus imitates
  BASELINES.md: Japanese title + 3 tags + 100-400 character description, ~2 distributions
  per dataset, the 1,806 seeded publishers with a skewed (Zipf-like) share, a licence, a
  category, sometimes a measure, a period and a standard-dataset kind;
* loads the first N public datasets as DatasetOut records once (the same records for both);
* times, per format (N-Triples, Turtle, JSON-LD), in one run on the same records:
  - ours: the mapping table's triples written by `app.dcat.stream` writers, one dataset per
    chunk, shared nodes described once (what `catalog export` and /dump do);
  - the ckanext-dcat way: for each page of 100 datasets, the same triples added to a fresh
    rdflib Graph, then `Graph.serialize` in that format;
  and prints datasets/second and the ratio;
* fills the read model (`catalog readmodel rebuild`, timed), then runs the whole
  `catalog export --format {nt,ttl,jsonld}.gz` path (stored per-dataset forms -> gzip file) in
  a child process at N and at BIG datasets, and prints datasets/second, the child's CPU time
  per dataset and its peak RSS: the export reads keyset batches in short transactions, so the
  peak must not grow with the catalogue; beside it, the previous mapped path (ORM load + triple
  mapping) as the baseline, and the ratio to our serialiser alone (records in memory).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select

from app import migrate
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.datasets.schemas import DatasetOut
from app.db import make_engine, make_sessionmaker, session_scope
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import BY_EXT
from app.dcat.stream import serialize_with_rdflib, writer
from app.dcat_export import service as svc
from app.models import (
    Category,
    Dataset,
    Measure,
    Organization,
    Resource,
    Tag,
    dataset_category,
    dataset_measure,
    dataset_tag,
)

BASE = "http://catalog.example.jp"
PAGE = 100  # ckanext-dcat's page size
_WORDS = (
    "避難所 保育所 人口 世帯 観光 施設 公園 交通 道路 河川 防災 医療 介護 子育て 教育 図書館 "
    "文化財 AED 公衆トイレ 消防水利 イベント 予算 決算 統計 地域 年齢別 公共施設 オープンデータ "
    "バス停 駐輪場 給水 ごみ 収集日 選挙 投票所 気象 地震 津波 浸水 想定 区域 一覧 位置情報"
)
WORDS = _WORDS.split(" ")
FORMATS = ("CSV", "XLSX", "PDF", "JSON", "GeoJSON", "ZIP")
KINDS = ("aed", "evacuation_space", "public_facility", "preschool", None, None, None)


def text(rng: random.Random, low: int, high: int) -> str:
    out: list[str] = []
    target = rng.randint(low, high)
    while sum(len(w) for w in out) < target:
        out.append(rng.choice(WORDS))
        if rng.random() < 0.15:
            out.append("。")
    return "".join(out)[:high]


def build(url: str, n: int, seed: int = 7) -> None:
    """Fresh database with the seed and `n` generated public datasets (bulk SQL insert)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url, base_uri=BASE))
    rng = random.Random(seed)
    with engine.begin() as conn:
        orgs = [row[0] for row in conn.execute(select(Organization.id).order_by(Organization.id))]
        cats = [row[0] for row in conn.execute(select(Category.name))]
        measures = [row[0] for row in conn.execute(select(Measure.id))]
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(orgs))]
        tags = [{"id": str(uuid.uuid4()), "name": f"{w}{i}"} for i, w in enumerate(WORDS * 10)]
        conn.execute(insert(Tag), tags)
    start = datetime(2020, 1, 1)
    batch = 5000
    for first in range(0, n, batch):
        ds_rows, res_rows, tag_rows, cat_rows, measure_rows = [], [], [], [], []
        for i in range(first, min(n, first + batch)):
            ds_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            when = start + timedelta(minutes=i)
            ds_rows.append(
                {
                    "id": ds_id,
                    "name": f"bench-{i:07d}",
                    "title": text(rng, 8, 30),
                    "notes": text(rng, 100, 400),
                    "owner_org": rng.choices(orgs, weights)[0],
                    "license_id": rng.choice(("cc-by-4.0", "pdl-1.0", "cc0-1.0")),
                    "frequency": rng.choice(("ANNUAL", "MONTHLY", "IRREG", "")),
                    "spatial": "北海道札幌市" if i % 3 == 0 else "",
                    "spatial_code": "011002" if i % 3 == 0 else None,
                    "temporal_start": (when - timedelta(days=365)).date(),
                    "temporal_end": when.date(),
                    "issued": when,
                    "modified": when,
                    "standard_kind": rng.choice(KINDS),
                    "contact_email": "opendata@example.lg.jp",
                    "contact_name": "情報政策課",
                    "metadata_created": when,
                    "metadata_modified": when,
                    "extras": {},
                    "local_fields": [],
                }
            )
            for position in range(rng.choice((1, 2, 2, 3))):
                fmt = rng.choice(FORMATS)
                res_rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "dataset_id": ds_id,
                        "position": position,
                        "url": f"https://www.example.lg.jp/opendata/{i}/{position}.{fmt.lower()}",
                        "name": f"{text(rng, 4, 12)} {fmt}",
                        "format": fmt,
                        "mimetype": "text/csv" if fmt == "CSV" else "",
                        "size": rng.randint(1000, 10_000_000),
                        "created": when,
                        "metadata_modified": when,
                        "extras": {},
                    }
                )
            for tag in rng.sample(tags, 3):
                tag_rows.append({"dataset_id": ds_id, "tag_id": tag["id"]})
            cat_rows.append({"dataset_id": ds_id, "category_name": rng.choice(cats)})
            if i % 4 == 0:
                measure_rows.append({"dataset_id": ds_id, "measure_id": rng.choice(measures)})
        with engine.begin() as conn:
            conn.execute(insert(Dataset), ds_rows)
            conn.execute(insert(Resource), res_rows)
            conn.execute(insert(dataset_tag), tag_rows)
            conn.execute(insert(dataset_category), cat_rows)
            if measure_rows:
                conn.execute(insert(dataset_measure), measure_rows)
    engine.dispose()


def _ours(records: list[DatasetOut], ctx: Context, ext: str) -> tuple[float, int]:
    """Seconds (CPU) and bytes for our streaming writer over `records`."""
    fmt = BY_EXT[ext]
    gc.collect()
    began = time.process_time()
    out = Emission()
    text_writer = writer(fmt, ctx.plan_ns)
    size = len(text_writer.header())
    for ds in records:
        documents.dataset(ds, ctx, out)
        size += len(text_writer.chunk(out.take()).encode("utf-8"))
    size += len(text_writer.footer())
    return time.process_time() - began, size


def _rdflib_way(records: list[DatasetOut], ctx: Context, ext: str) -> float:
    """Seconds (CPU): a fresh rdflib Graph per page of 100 datasets, then Graph.serialize."""
    fmt = BY_EXT[ext]
    gc.collect()
    began = time.process_time()
    for first in range(0, len(records), PAGE):
        page = Emission()
        for ds in records[first : first + PAGE]:
            documents.dataset(ds, ctx, page)
        serialize_with_rdflib(fmt, ctx.plan_ns, page.take())
    return time.process_time() - began


def serialisation(url: str, n: int, skip: set[str], rounds: int) -> float:
    """Prints the table; returns our N-Triples writer's datasets/second (the serialiser
    alone, records already in memory: the floor the full export is compared with)."""
    sessions = make_sessionmaker(make_engine(url))
    settings = Settings(database_url=url, base_uri=BASE)
    with session_scope(sessions) as session:
        ctx = svc.build_context(session, settings)
    records = list(svc.iter_public_datasets(sessions))[:n]
    print(
        f"\nserialisation of the same {len(records):,} datasets (records already loaded; CPU time,"
        f" best of {rounds} interleaved rounds)"
    )
    print(f"{'format':<10}{'ours ds/s':>12}{'rdflib ds/s':>14}{'ratio':>9}{'MB out':>9}")
    rates: dict[str, float] = {}
    for ext in ("nt", "ttl", "jsonld"):
        ours_best, theirs_best, size = float("inf"), float("inf"), 0
        for _round in range(rounds):
            seconds, size = _ours(records, ctx, ext)
            ours_best = min(ours_best, seconds)
            if ext not in skip:
                theirs_best = min(theirs_best, _rdflib_way(records, ctx, ext))
        ours = rates[ext] = len(records) / ours_best
        if ext in skip:
            print(f"{ext:<10}{ours:>12,.0f}{'skipped':>14}{'':>9}{size / 1e6:>9.1f}")
            continue
        theirs = len(records) / theirs_best
        print(f"{ext:<10}{ours:>12,.0f}{theirs:>14,.0f}{ours / theirs:>8.1f}x{size / 1e6:>9.1f}")
    return rates["nt"]


def child_export(url: str, target: str, mode: str = "stored") -> None:
    """Run in a child process, then report wall seconds, CPU seconds and peak RSS.
    `stored:<ext>`: the `catalog export --format <ext>.gz` command (stored per-dataset forms
    from the read model); `mapped`: the previous path, every dataset loaded through the ORM and
    mapped triple by triple (the baseline, N-Triples, same gzip)."""
    os.environ["CATALOG_DATABASE_URL"] = url
    os.environ["CATALOG_BASE_URI"] = BASE
    from typer.testing import CliRunner

    from app.cli import cli
    from app.dcat.stream import gzip_stream, stream

    began = time.perf_counter()
    cpu = time.process_time()
    if mode == "mapped":
        sessions = make_sessionmaker(make_engine(url))
        with session_scope(sessions) as session:
            ctx = svc.build_context(session, Settings(database_url=url, base_uri=BASE))
        chunks = svc.export_chunks(sessions, ctx)
        with open(target, "wb") as handle:
            for piece in gzip_stream(stream(BY_EXT["nt"], ctx.plan_ns, chunks)):
                handle.write(piece)
    else:
        ext = mode.partition(":")[2] or "nt"
        result = CliRunner().invoke(cli, ["export", "--format", f"{ext}.gz", "--output", target])
        if result.exit_code != 0:
            raise SystemExit(result.output)
    elapsed = time.perf_counter() - began
    print(f"{elapsed:.3f} {time.process_time() - cpu:.3f} {peak_rss_kib()}")


def rebuild_readmodel(url: str, n: int) -> None:
    """`catalog readmodel rebuild` (the bulk-inserted corpus has no stored renderings yet)."""
    env = {**os.environ, "CATALOG_DATABASE_URL": url, "CATALOG_BASE_URI": BASE}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "readmodel", "rebuild"],
        check=True,
        capture_output=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    elapsed = time.perf_counter() - began
    print(f"(readmodel rebuild of {n:,} datasets: {elapsed:.1f} s, {n / elapsed:,.0f} ds/s)")


def peak_rss_kib() -> int:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a
    child started from the (large) benchmark process would report the parent's size."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def clone_fill(url: str, templates: int = 500) -> None:
    """A quick stand-in for `readmodel rebuild` at sizes where it takes too long here: renders
    the first `templates` datasets for real (`readmodel.rerender`), then gives every other
    dataset a row cloned from template (i mod templates), with its own id, name and
    visibility. The dump then reads, combines and writes as many stored rows as there are
    datasets (the cost and memory being measured), but its content repeats the templates'
    triples: use it for throughput and RSS only, never for the content."""
    from sqlalchemy import func

    from app.models import DatasetRendering
    from app.readmodel import service as readmodel

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    began = time.perf_counter()
    with session_scope(sessions) as session:
        ids = list(session.scalars(select(Dataset.id).order_by(Dataset.id).limit(templates)))
        readmodel.rerender(session, ids, Settings(database_url=url, base_uri=BASE))
    cols = [c.name for c in DatasetRendering.__table__.columns]
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(DatasetRendering))]
        total = conn.execute(select(func.count()).select_from(Dataset)).scalar_one()
        last = ""
        done = len(rows)
        while True:
            batch = conn.execute(
                select(Dataset.id, Dataset.name, Dataset.owner_org, Dataset.private, Dataset.state)
                .where(Dataset.id > last)
                .order_by(Dataset.id)
                .limit(5000)
            ).all()
            if not batch:
                break
            last = batch[-1].id
            fresh = []
            for i, ds in enumerate(batch):
                if ds.id in ids:
                    continue
                template = rows[(done + i) % len(rows)]
                fresh.append(
                    {
                        **{c: template[c] for c in cols},
                        "dataset_id": ds.id,
                        "name": ds.name,
                        "owner_org": ds.owner_org,
                        "private": ds.private,
                        "state": ds.state,
                    }
                )
            if fresh:
                conn.execute(insert(DatasetRendering), fresh)
            done += len(fresh)
    engine.dispose()
    print(
        f"(read model filled in {time.perf_counter() - began:.1f} s: {templates} rendered, "
        f"{total - templates:,} cloned rows, see clone_fill)"
    )


def export_run(url: str, n: int, folder: Path, mode: str = "stored:nt") -> float:
    """One export in a child process; prints and returns datasets/second (wall clock), with
    the child's CPU time per dataset (less sensitive to the machine's load)."""
    ext = mode.partition(":")[2] or "nt"
    target = folder / f"export-{n}-{mode.replace(':', '-')}.{ext}.gz"
    done = subprocess.run(
        [sys.executable, __file__, "--child-export", url, str(target), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed, cpu, peak = done.stdout.strip().splitlines()[-1].split()
    size = target.stat().st_size / 1e6
    rate = n / float(elapsed)
    label = mode if mode == "mapped" else f"stored {ext}"
    print(
        f"{label:<14}{n:>9,} datasets {rate:>8,.0f} ds/s  CPU {float(cpu) / n * 1e6:>6.0f} us/ds"
        f"  peak RSS {int(peak) / 1024:>5.0f} MiB  ({size:.1f} MB {ext}.gz)"
    )
    target.unlink()
    return rate


def export_set(
    url: str, n: int, folder: Path, skip_mapped: bool, floor: float | None
) -> dict[str, float]:
    """The stored exports in the three formats, and (unless skipped) the mapped baseline in
    the same run; ratios to the mapped path and to the serialiser alone (`floor`)."""
    rates = {ext: export_run(url, n, folder, f"stored:{ext}") for ext in ("nt", "ttl", "jsonld")}
    if not skip_mapped:
        mapped = export_run(url, n, folder, "mapped")
        print(f"{'':<14}stored nt / mapped nt = {rates['nt'] / mapped:.1f}x")
    if floor:
        ratios = ", ".join(f"{ext} {rate / floor:.1f}x" for ext, rate in rates.items())
        print(f"{'':<14}stored / serialiser alone (nt, records in memory): {ratios}")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets for the comparison")
    parser.add_argument("--big", type=int, default=100_000, help="second size for the RSS run")
    parser.add_argument(
        "--skip-rdflib-formats", default="", help="comma list (nt,ttl,jsonld) to skip for rdflib"
    )
    parser.add_argument("--rounds", type=int, default=2, help="best of N interleaved rounds")
    parser.add_argument(
        "--child-export", nargs=3, metavar=("URL", "TARGET", "MODE"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--skip-serialisation", action="store_true", help="only the full export runs"
    )
    parser.add_argument(
        "--big-fill",
        choices=("rebuild", "clone"),
        default="rebuild",
        help="how the BIG corpus's read model is filled (clone: throughput/RSS only)",
    )
    parser.add_argument(
        "--skip-mapped-big", action="store_true", help="no mapped baseline at --big (slow)"
    )
    args = parser.parse_args()
    if args.child_export:
        child_export(*args.child_export)
        return
    skip = {s for s in args.skip_rdflib_formats.split(",") if s}
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.rstrip())
    with tempfile.TemporaryDirectory(prefix="dcat-bench-") as tmp:
        folder = Path(tmp)
        small = f"sqlite:///{folder / 'small.db'}"
        began = time.perf_counter()
        build(small, args.n)
        print(f"built {args.n:,} datasets by bulk insert in {time.perf_counter() - began:.1f} s")
        floor = None if args.skip_serialisation else serialisation(small, args.n, skip, args.rounds)
        rebuild_readmodel(small, args.n)
        print("\nfull export (catalog export --format <ext>.gz, database -> file), child process")
        export_set(small, args.n, folder, skip_mapped=False, floor=floor)
        (folder / "small.db").unlink()
        big = f"sqlite:///{folder / 'big.db'}"
        began = time.perf_counter()
        build(big, args.big)
        print(f"(built {args.big:,} datasets in {time.perf_counter() - began:.1f} s)")
        if args.big_fill == "clone":
            clone_fill(big)
        else:
            rebuild_readmodel(big, args.big)
        export_set(big, args.big, folder, skip_mapped=args.skip_mapped_big, floor=floor)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.rstrip())


if __name__ == "__main__":
    main()
