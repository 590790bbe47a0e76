"""HTTP throughput of the read API against the framework floor, measured in the same run.

    python bench/api.py                     # 10,000 datasets, SQLite, 1 worker, 10 s per endpoint
    python bench/api.py --n 2000 --seconds 5 --workers 2
    python bench/api.py --database postgresql --n 100000 --workers 2
    CATALOG_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/api.py --n 100000

What it does:

* builds a fresh catalogue (migrations + seed, as `catalog init`) on SQLite, on a throwaway
  PostgreSQL cluster (`--database postgresql`, tests/pg_cluster.py) or on the empty database
  named by CATALOG_BENCH_DATABASE_URL. `--fill clone` (default): `--templates` generated
  Japanese datasets through the dataset service (the `catalog import` path), the rest cloned
  in SQL from them with their own ids and names, read-model bytes included (`clone_fill`;
  a clone's stored renderings equal a fresh render of it). `--fill service`: all N through the
  service (~30 ds/s here);
* starts `catalog serve` on it (a real uvicorn, `--workers W`, access log off unless
  `--access-log`: the floor has none), and captures one response of each endpoint below;
* starts the "floor": a minimal FastAPI + uvicorn app with the same number of workers whose
  sync handlers return those captured bytes, with the same media types, on the same paths;
* drives both with wrk (Debian package `wrk`), C connections for S seconds per endpoint, the
  requests spread over up to 200 different datasets by a wrk Lua script;
* first pass: our server with the rate limits off (wrk is one IP); second pass (unless
  `--limits ''`): the same endpoints with the limiter counting every request at `--limits`;
* prints req/s, p50, p99, non-2xx/3xx responses or socket errors, and the server's CPU time
  per request (utime+stime of all its processes / requests: less load-dependent than req/s)
  per endpoint, the ratio of our req/s to the floor's (PRODUCT.md section 10: >= 0.5 for the
  record endpoints, >= 0.35 for package_search with facets, p99 <= 10x p50 at 16
  connections, no errors), RSS per process, and the load average before and after.

Absolute figures drift with the machine's load; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harvest import Source  # noqa: E402  (the generated CKAN packages)

ENDPOINTS: dict[str, str] = {
    "healthz": "/healthz",
    "package_show": "/api/3/action/package_show?id={name}",
    "v1 dataset": "/api/v1/datasets/{name}",
    "dataset .ttl": "/dataset/{name}.ttl",
    "package_search q": "/api/3/action/package_search?q={q}&rows=10",
    "search +3 facets": (
        "/api/3/action/package_search?q={q}&rows=10"
        '&facet.field=["organization","tags","res_format"]'
    ),
    # What a DCAT harvester pages through (page 1 also carries the 180 measures: left out).
    "catalog page .ttl": "/catalog.ttl?page={page}",
}
BENCH_BASE_URI = "http://catalog.bench.example"
QUERIES = ("保育", "避難", "観光", "公園", "予算", "統計", "地域", "交通")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(url: str, n: int) -> None:
    """Migrate, seed and import n generated datasets (100 per transaction)."""
    from app import migrate
    from app.accounts.actor import SYSTEM
    from app.catalog.seed_loader import load_seed
    from app.config import Settings
    from app.datasets.importer import import_package
    from app.db import make_engine, make_sessionmaker, session_scope

    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url))
    source = Source(n)
    for first in range(0, n, 100):
        with session_scope(sessions) as session:
            for i in range(first, min(n, first + 100)):
                pkg = source.package(i)
                pkg["owner_org"] = "011002"
                pkg["license_id"] = pkg["license_id"].lower()
                pkg.pop("id", None)
                import_package(session, SYSTEM, pkg)
    engine.dispose()


CLONED_TABLES = (
    "dataset",
    "resource",
    "dataset_tag",
    "dataset_category",
    "dataset_measure",
    "search_doc",
    "search_source",
    "dataset_rendering",
)


def clone_fill(url: str, n: int, templates: int) -> str:
    """A catalogue of n datasets in minutes: `templates` datasets through the dataset service
    (`build`, which renders and indexes them for real), then datasets templates..n-1 cloned in
    SQL from template i % templates with their own id, name and resource ids: the dataset,
    resource, tag/category/measure links, search document and tokens by INSERT ... SELECT,
    the read-model row with the template's id, name and resource ids replaced in its stored
    bytes (the same bytes a render would give, as only those differ). Not cloned: history
    (dataset_activity) and the SQLite FTS5 rows (the memory index serves searches). The stored
    dump forms are compressed: they are inflated, swapped and packed again. Returns a label."""
    import uuid

    from sqlalchemy import MetaData, func, insert, select, text

    from app.db import make_engine
    from app.readmodel.render import DUMP_COLUMNS, dump_form, pack_dump_form

    build(url, min(n, templates))
    if n <= templates:
        return "all through the dataset service"
    began = time.perf_counter()
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine, only=list(CLONED_TABLES))
    t = meta.tables
    with engine.begin() as conn:
        sources = conn.execute(select(t["dataset"].c.id, t["dataset"].c.name)).all()
        docs = dict(
            conn.execute(select(t["search_doc"].c.dataset_id, t["search_doc"].c.doc_id)).all()
        )
        next_doc = int(conn.execute(select(func.max(t["search_doc"].c.doc_id))).scalar_one()) + 1
        resources: dict[str, list[str]] = {}
        for rid, did in conn.execute(select(t["resource"].c.id, t["resource"].c.dataset_id)):
            resources.setdefault(did, []).append(rid)
        renderings = {
            r.dataset_id: r._asdict() for r in conn.execute(select(t["dataset_rendering"]))
        }
        conn.execute(
            text(
                "CREATE TABLE bench_map (src VARCHAR(36), dst VARCHAR(36), "
                "name VARCHAR(100), src_doc INTEGER, dst_doc INTEGER)"
            )
        )
        conn.execute(
            text("CREATE TABLE bench_res (src VARCHAR(36), dst VARCHAR(36), ds VARCHAR(36))")
        )
    meta.reflect(engine, only=["bench_map", "bench_res"])
    bm, br = meta.tables["bench_map"], meta.tables["bench_res"]

    def copy(conn, table, join_on, replace) -> None:  # type: ignore[no-untyped-def]
        cols = [c.name for c in table.c]
        exprs = [replace.get(c, table.c[c]) for c in cols]
        conn.execute(insert(table).from_select(cols, select(*exprs).select_from(join_on)))

    batch = 5000
    for first in range(templates, n, batch):
        maps, res_maps, rows = [], [], []
        for i in range(first, min(n, first + batch)):
            src_id, src_name = sources[i % len(sources)]
            dst = str(uuid.uuid4())
            name = f"bench-{i:07d}"
            maps.append(
                {
                    "src": src_id,
                    "dst": dst,
                    "name": name,
                    "src_doc": docs.get(src_id),
                    "dst_doc": next_doc,
                }
            )
            next_doc += 1
            row = dict(renderings[src_id])
            swaps = [(src_id, dst), (src_name, name)]
            for rid in resources.get(src_id, []):
                new_rid = str(uuid.uuid4())
                res_maps.append({"src": rid, "dst": new_rid, "ds": dst})
                swaps.append((rid, new_rid))
            for col in ("package_json", "v1_json", "dcat_turtle"):
                body = bytes(row[col])
                for old, new in swaps:
                    body = body.replace(old.encode(), new.encode())
                row[col] = body
            for col in DUMP_COLUMNS.values():  # compressed: take apart, swap, pack again
                if row[col] is not None:
                    form = dump_form(bytes(row[col]))
                    own = form.own()
                    for old, new in swaps:
                        own = own.replace(old.encode(), new.encode())
                    row[col] = pack_dump_form(own, form.shared)
            row.update(dataset_id=dst, name=name)
            rows.append(row)
        with engine.begin() as conn:
            conn.execute(bm.delete())
            conn.execute(br.delete())
            conn.execute(insert(bm), maps)
            if res_maps:
                conn.execute(insert(br), res_maps)
            d, r = t["dataset"], t["resource"]
            copy(conn, d, d.join(bm, d.c.id == bm.c.src), {"id": bm.c.dst, "name": bm.c.name})
            copy(conn, r, r.join(br, r.c.id == br.c.src), {"id": br.c.dst, "dataset_id": br.c.ds})
            for link in ("dataset_tag", "dataset_category", "dataset_measure"):
                lt = t[link]
                copy(conn, lt, lt.join(bm, lt.c.dataset_id == bm.c.src), {"dataset_id": bm.c.dst})
            sd, ss = t["search_doc"], t["search_source"]
            copy(
                conn,
                sd,
                sd.join(bm, sd.c.dataset_id == bm.c.src),
                {"doc_id": bm.c.dst_doc, "dataset_id": bm.c.dst, "name": bm.c.name},
            )
            copy(conn, ss, ss.join(bm, ss.c.doc_id == bm.c.src_doc), {"doc_id": bm.c.dst_doc})
            conn.execute(insert(t["dataset_rendering"]), rows)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_map"))
        conn.execute(text("DROP TABLE bench_res"))
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('search_doc', 'doc_id'), "
                    "(SELECT max(doc_id) FROM search_doc))"
                )
            )
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return (
        f"{templates} through the dataset service, {n - templates:,} cloned in SQL in "
        f"{time.perf_counter() - began:.0f} s (see clone_fill)"
    )


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def wait_index_ready(base: str, workers: int, seconds: float = 900) -> None:
    """Poll /readyz until 8 x `workers` answers in a row say the memory index is ready."""
    deadline, streak, began = time.monotonic() + seconds, 0, time.monotonic()
    while streak < 8 * workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"the memory search index was not ready after {seconds:.0f} s")
        _status, _media, body = fetch(base + "/readyz")
        try:
            state = json.loads(body).get("search_memory_index", {}).get("state")
        except ValueError:
            state = None
        streak = streak + 1 if state in ("ready", "off") else 0
        if streak == 0:
            time.sleep(0.5)
    print(f"(memory search index ready after {time.monotonic() - began:.0f} s)", flush=True)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


FLOOR_APP = textwrap.dedent(
    '''
    """The framework floor: sync handlers returning captured bytes."""
    import json, os
    from fastapi import FastAPI
    from fastapi.responses import Response

    with open(os.environ["FLOOR_BODIES"], encoding="utf-8") as f:
        CAPTURED = json.load(f)
    BODIES = {path: (bytes.fromhex(body), media) for path, (body, media) in CAPTURED.items()}

    def create_app() -> FastAPI:
        app = FastAPI()
        for path, (body, media) in BODIES.items():
            def handler(body: bytes = body, media: str = media) -> Response:
                return Response(body, media_type=media)
            app.add_api_route(path, handler, methods=["GET"])
        return app
    '''
)

LUA = textwrap.dedent(
    """
    local paths = {}
    for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
    local i = 0
    request = function()
      i = i + 1
      return wrk.format("GET", paths[(i % #paths) + 1])
    end
    done = function(summary, latency, requests)
      io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, "
        .. "\\"p99\\": %f, \\"non2xx\\": %d, \\"errors\\": %d}\\n",
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, summary.errors.status,
        summary.errors.connect + summary.errors.read + summary.errors.write
          + summary.errors.timeout))
    end
    """
)


def wrk(
    base: str, paths: list[str], seconds: int, connections: int, folder: Path
) -> dict[str, float]:
    path_file = folder / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = folder / "paths.lua"
    script.write_text(LUA, encoding="utf-8")
    out = subprocess.run(
        [
            "wrk",
            f"-c{connections}",
            f"-t{min(2, connections)}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "WRK_PATHS": str(path_file)},
    )
    match = re.search(r"^JSON (.*)$", out.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    result: dict[str, float] = json.loads(match.group(1))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def rss_mib(pid: int) -> float:
    """Resident set size of a process (Linux /proc), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its live children (uvicorn's workers), seconds."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measured(
    base: str, pid: int, paths: list[str], args: argparse.Namespace, folder: Path
) -> dict[str, float]:
    """wrk against `base`, plus the server's CPU milliseconds per request (load-independent
    enough to compare runs on a shared machine)."""
    before = cpu_seconds(pid)
    result = wrk(base, paths, args.seconds, args.connections, folder)
    result["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / max(1, result["requests"])
    return result


def start_ours(
    port: int, url: str, workers: int, limits: str, access_log: bool
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": url,
        "CATALOG_RATE_LIMIT_IP": limits,
        "CATALOG_RATE_LIMIT_TOKEN": limits,
        "CATALOG_BASE_URI": BENCH_BASE_URI,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if not access_log:
        command.append("--no-access-log")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=60)


HEADER = (
    f"{'endpoint':18} {'ours req/s':>10} {'p50 ms':>7} {'p99 ms':>8} {'errors':>6} {'cpu ms':>6}"
    f" | {'floor req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6}"
    f" | {'ratio':>5} {'p99/p50':>7}"
)


def row(label: str, mine: dict[str, float], floor: dict[str, float]) -> str:
    errors = int(mine["non2xx"] + mine["errors"])
    ratio = mine["rps"] / floor["rps"]
    tail = mine["p99"] / max(mine["p50"], 0.001)
    return (
        f"{label:18} {mine['rps']:10.0f} {mine['p50']:7.1f} {mine['p99']:8.1f} {errors:6d}"
        f" {mine['cpu_ms']:6.2f} | {floor['rps']:11.0f} {floor['p50']:7.1f} {floor['p99']:7.1f}"
        f" {floor['cpu_ms']:6.2f} | {ratio:5.2f} {tail:7.1f}"
    )


def serve_and_measure(args: argparse.Namespace, workers: int, url: str, folder: Path) -> None:
    """One catalogue server and one floor with `workers` processes each, measured."""
    port = free_port()
    ours = start_ours(port, url, workers, "", args.access_log)
    base = f"http://127.0.0.1:{port}"
    floor_proc = None
    try:
        wait_up(base + "/healthz", 180)
        names = [f"bench-{i:07d}" for i in range(0, args.n, max(1, args.n // 200))][:200]
        plans: dict[str, list[str]] = {}
        for label, template in ENDPOINTS.items():
            if args.only and label not in args.only:
                continue
            if "{name}" in template:
                plans[label] = [template.format(name=name) for name in names]
            elif "{q}" in template:
                plans[label] = [template.format(q=quote(q)) for q in QUERIES]
            elif "{page}" in template:
                last = -(-args.n // 100)  # 100 datasets a page; page 1 is left out
                if last >= 2:
                    plans[label] = [template.format(page=p) for p in range(2, min(last, 201) + 1)]
            else:
                plans[label] = [template]
        # Let the memory search index load before measuring (it loads in the background, in
        # every worker): searches answered by the database index meanwhile are not what we
        # measure. /readyz lands on any worker, so several ready answers in a row are needed.
        wait_index_ready(base, workers)
        for paths in plans.values():
            for path in paths[:3]:
                fetch(base + path)
        time.sleep(2)
        bodies: dict[str, tuple[str, str]] = {}
        for label, paths in plans.items():
            status, media, body = fetch(base + paths[0])
            if status != 200:
                raise SystemExit(f"{label}: {paths[0]} answered {status}: {body[:300]!r}")
            bodies[floor_route(label)] = (body.hex(), media.split(";")[0])
        body_file = folder / "bodies.json"
        body_file.write_text(json.dumps(bodies), encoding="utf-8")
        (folder / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
        floor_port = free_port()
        floor_proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "floor_app:create_app",
                "--factory",
                "--port",
                str(floor_port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=folder,
            env={**os.environ, "FLOOR_BODIES": str(body_file)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        floor_base = f"http://127.0.0.1:{floor_port}"
        wait_up(floor_base + next(iter(bodies)), 120)

        print(f"{workers} worker(s); rate limits off; cpu ms = server CPU per request")
        print(HEADER)
        floors: dict[str, dict[str, float]] = {}
        for label, paths in plans.items():
            mine = measured(base, ours.pid, paths, args, folder)
            floor = floors[label] = measured(
                floor_base, floor_proc.pid, [floor_route(label)], args, folder
            )
            print(row(label, mine, floor), flush=True)
        # Memory per process after the load (the memory search index loaded): with
        # --workers N, uvicorn's supervisor and its N worker processes.
        pids = children(ours.pid) if workers > 1 else []
        sizes = ", ".join(f"{rss_mib(pid):.0f}" for pid in pids)
        print(
            f"RSS after load: server process {rss_mib(ours.pid):.0f} MiB"
            + (f"; workers {sizes} MiB" if pids else "")
        )
        stop(ours)
        if args.limits:
            # The same endpoints with the rate limiter counting every request (`limits`
            # moving window, the production strategy) at a ceiling wrk stays under.
            ours = start_ours(port, url, workers, args.limits, args.access_log)
            wait_up(base + "/healthz", 180)
            wait_index_ready(base, workers)
            for paths in plans.values():
                fetch(base + paths[0])
            time.sleep(2)
            print(f"rate limits on ({args.limits} per IP and per token), floor as above")
            print(HEADER)
            for label, paths in plans.items():
                if label == "healthz":
                    continue  # exempt from the limits
                mine = measured(base, ours.pid, paths, args, folder)
                print(row(label, mine, floors[label]), flush=True)
    finally:
        stop(ours)
        stop(floor_proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="uvicorn workers, both apps; "
        "several values run one after the other on the same catalogue",
    )
    parser.add_argument("--only", nargs="*", help="endpoint names to run (default: all)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: a throwaway cluster (tests/pg_cluster.py)",
    )
    parser.add_argument(
        "--fill",
        choices=("clone", "service"),
        default="clone",
        help="clone: --templates datasets through the service, the rest cloned",
    )
    parser.add_argument("--templates", type=int, default=300)
    parser.add_argument(
        "--limits",
        default="1000000/minute",
        help="the rate limit (per IP and per token) of the second pass, 'limits "
        "on'; the first pass serves with the limits off; '' skips the pass",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="serve with uvicorn's access log (the floor has none)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    print(
        f"(load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores)"
    )

    cluster = None
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        folder = Path(tmp)
        if os.environ.get("CATALOG_BENCH_DATABASE_URL"):
            url = os.environ["CATALOG_BENCH_DATABASE_URL"]
        elif args.database == "postgresql":
            from tests.pg_cluster import start_cluster

            cluster = start_cluster()
            url = cluster.create_database("bench_api")
        else:
            url = f"sqlite:///{folder / 'catalog.db'}"
        started = time.perf_counter()
        # One base URI for the writers (build) and the server: stored DCAT documents are
        # served only to a reader with the writer's base URI.
        os.environ["CATALOG_BASE_URI"] = BENCH_BASE_URI
        if args.fill == "clone":
            how = clone_fill(url, args.n, args.templates)
        else:
            build(url, args.n)
            how = "all through the dataset service"
        print(
            f"catalogue of {args.n:,} datasets built in {time.perf_counter() - started:.0f} s: "
            f"{how} ({url.split(':', 1)[0]}, {args.connections} "
            f"connections, {args.seconds} s per endpoint, access log "
            f"{'on' if args.access_log else 'off'})"
        )

        try:
            for workers in args.workers:
                serve_and_measure(args, workers, url, folder)
        finally:
            if cluster is not None:
                cluster.stop()
    print(
        f"(load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores)"
    )


def floor_route(label: str) -> str:
    return "/floor/" + label.replace(" ", "_").replace("+", "p").replace(".", "")


if __name__ == "__main__":
    main()
