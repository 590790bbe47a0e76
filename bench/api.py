"""HTTP throughput of the read API against the framework floor, measured in the same run.

    python bench/api.py                     # 10,000 datasets, SQLite, 1 worker, 10 s per endpoint
    python bench/api.py --n 2000 --seconds 5 --workers 2
    CATALOG_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/api.py --n 100000

What it does:

* builds a fresh catalogue (migrations + seed, as `catalog init`) and imports N generated
  Japanese datasets through the dataset service (the `catalog import` path), on SQLite by
  default or on the database named by CATALOG_BENCH_DATABASE_URL (which must be empty);
* starts `catalog serve` on it (a real uvicorn, `--workers W`), and captures one response of
  each endpoint below;
* starts the "floor": a minimal FastAPI + uvicorn app with the same number of workers whose
  sync handlers return those captured bytes, with the same media types, on the same paths;
* drives both with wrk (Debian package `wrk`), C connections for S seconds per endpoint, the
  requests spread over up to 200 different datasets by a wrk Lua script;
* runs our server with the rate limits off (wrk is one IP), so what is measured is serving;
* prints req/s, p50, p99 and non-2xx/3xx responses or socket errors per endpoint, and the ratio
  of our req/s to the floor's (PRODUCT.md section 10: >= 0.5 for the record endpoints, >= 0.35
  for package_search with facets, p99 <= 10x p50 at 16 connections, no errors).

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, both apps")
    parser.add_argument("--only", nargs="*", help="endpoint names to run (default: all)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        folder = Path(tmp)
        url = os.environ.get("CATALOG_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'catalog.db'}"
        started = time.perf_counter()
        # One base URI for the writers (build) and the server: stored DCAT documents are
        # served only to a reader with the writer's base URI.
        os.environ["CATALOG_BASE_URI"] = BENCH_BASE_URI
        build(url, args.n)
        print(
            f"catalogue of {args.n:,} datasets built in {time.perf_counter() - started:.0f} s "
            f"({url.split(':', 1)[0]}, {args.workers} worker(s), {args.connections} connections, "
            f"{args.seconds} s per endpoint)"
        )

        port = free_port()
        env = {
            **os.environ,
            "CATALOG_DATABASE_URL": url,
            # The per-IP limit (6000/minute) would answer wrk with 429s: measure serving only.
            "CATALOG_RATE_LIMIT_IP": "",
            "CATALOG_RATE_LIMIT_TOKEN": "",
            "CATALOG_BASE_URI": BENCH_BASE_URI,
        }
        ours = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        floor_proc = None
        try:
            wait_up(base + "/healthz")
            names = [f"bench-{i:07d}" for i in range(0, args.n, max(1, args.n // 200))][:200]
            plans: dict[str, list[str]] = {}
            for label, template in ENDPOINTS.items():
                if args.only and label not in args.only:
                    continue
                if "{name}" in template:
                    plans[label] = [template.format(name=name) for name in names]
                elif "{q}" in template:
                    plans[label] = [template.format(q=quote(q)) for q in QUERIES]
                else:
                    plans[label] = [template]
            # Let the memory search index load before measuring (it loads in the background).
            for paths in plans.values():
                for path in paths[:3]:
                    fetch(base + path)
            time.sleep(2)
            bodies: dict[str, tuple[str, str]] = {}
            for label, paths in plans.items():
                status, media, body = fetch(base + paths[0])
                if status != 200:
                    raise SystemExit(f"{label}: {paths[0]} answered {status}: {body[:300]!r}")
                route = "/floor/" + label.replace(" ", "_").replace("+", "p").replace(".", "")
                bodies[route] = (body.hex(), media.split(";")[0])
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
                    str(args.workers),
                    "--log-level",
                    "warning",
                ],
                cwd=folder,
                env={**os.environ, "FLOOR_BODIES": str(body_file)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            floor_base = f"http://127.0.0.1:{floor_port}"
            wait_up(floor_base + next(iter(bodies)))

            print(
                f"{'endpoint':18} {'ours req/s':>10} {'p50 ms':>7} {'p99 ms':>8} {'errors':>6}"
                f" | {'floor req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>5} {'p99/p50':>7}"
            )
            for label, paths in plans.items():
                route = "/floor/" + label.replace(" ", "_").replace("+", "p").replace(".", "")
                mine = wrk(base, paths, args.seconds, args.connections, folder)
                floor = wrk(floor_base, [route], args.seconds, args.connections, folder)
                errors = int(mine["non2xx"] + mine["errors"])
                ratio = mine["rps"] / floor["rps"]
                tail = mine["p99"] / max(mine["p50"], 0.001)
                print(
                    f"{label:18} {mine['rps']:10.0f} {mine['p50']:7.1f} {mine['p99']:8.1f}"
                    f" {errors:6d} | {floor['rps']:11.0f} {floor['p50']:7.1f} {floor['p99']:7.1f}"
                    f" | {ratio:5.2f} {tail:7.1f}"
                )
            # Memory per process after the load (the memory search index loaded): with
            # --workers N, uvicorn's supervisor and its N worker processes.
            workers = children(ours.pid) if args.workers > 1 else []
            sizes = ", ".join(f"{rss_mib(pid):.0f}" for pid in workers)
            print(
                f"RSS after load: server process {rss_mib(ours.pid):.0f} MiB"
                + (f"; workers {sizes} MiB" if workers else "")
            )
        finally:
            for proc in (ours, floor_proc):
                if proc is not None:
                    proc.terminate()
                    proc.wait(timeout=30)
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
