"""Shared by bench/load.py and bench/slow_reader.py: a catalogue, a real server, a client.

- `catalogue(backend, n)`: a fresh database (SQLite file or a throwaway PostgreSQL cluster from
  tests/pg_cluster.py) with the seed and `n` generated datasets, bulk-inserted as in
  bench/dcat_export.py, then `catalog search reindex`;
- `Server`: `uvicorn app.main:create_app` in a child process on 127.0.0.1 (one worker);
- `drive`: `clients` asyncio tasks on httpx, each sending requests back to back for `seconds`;
  records every latency, status and connection error.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dcat_export import build  # noqa: E402


@contextmanager
def catalogue(backend: str, n: int) -> Iterator[str]:
    """Database URL of a fresh catalogue with `n` datasets on `backend` (sqlite|postgresql)."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        if backend == "sqlite":
            url = f"sqlite:///{folder}/catalog.db"
            _fill(url, n)
            yield url
            return
        from tests.pg_cluster import start_cluster

        cluster = start_cluster()
        try:
            url = cluster.create_database("bench_load")
            _fill(url, n)
            yield url
        finally:
            cluster.stop()


def _fill(url: str, n: int) -> None:
    started = time.perf_counter()
    build(url, n)
    env = {**os.environ, "CATALOG_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "app.cli", "search", "reindex"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    print(f"  catalogue: {n} datasets built and indexed in {time.perf_counter() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The catalogue under uvicorn in a child process (rate limits off: one client IP here)."""

    def __init__(self, url: str, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "CATALOG_DATABASE_URL": url,
            "CATALOG_RATE_LIMIT_IP": "",
            "CATALOG_RATE_LIMIT_TOKEN": "",
            **{f"CATALOG_{k.upper()}": v for k, v in settings.items()},
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--timeout-keep-alive",
                "60",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=env,
        )

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    # Warm up: the memory search index and the first query plans.
                    for _ in range(3):
                        httpx.get(f"{self.base}/api/3/action/package_search?q=避難", timeout=60)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def __exit__(self, *_exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(20)


def paths(n: int, rng: random.Random) -> list[str]:
    """A mix of ordinary public reads over the catalogue."""
    words = ("避難所", "保育", "人口", "観光", "防災", "バス停", "図書館", "統計")
    out: list[str] = []
    for _ in range(2000):
        name = f"bench-{rng.randrange(n):07d}"
        out.append(
            rng.choice(
                (
                    f"/api/3/action/package_show?id={name}",
                    f"/api/v1/datasets/{name}",
                    f"/dataset/{name}.ttl",
                    f"/api/3/action/package_search?q={rng.choice(words)}&rows=10",
                    f"/api/v1/search?q={rng.choice(words)}&limit=10",
                )
            )
        )
    return out


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def server_errors(self) -> int:
        return sum(c for s, c in self.statuses.items() if s.startswith("5"))

    def line(self, label: str, seconds: float) -> str:
        total = sum(self.statuses.values())
        return (
            f"  {label}: {total} requests, {total / seconds:.0f} req/s, "
            f"p50 {self.p(0.5) * 1000:.0f} ms, p99 {self.p(0.99) * 1000:.0f} ms, "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


async def drive(base: str, targets: list[str], clients: int, seconds: float) -> Run:
    run = Run()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def client(k: int) -> None:
            i = k * 7
            while time.monotonic() < deadline:
                path = targets[i % len(targets)]
                i += 1
                started = time.perf_counter()
                try:
                    res = await http.get(path)
                    await res.aread()
                    run.statuses[str(res.status_code)] += 1
                except httpx.HTTPError as exc:
                    run.statuses[type(exc).__name__] += 1
                    continue
                run.latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client(k) for k in range(clients)))
    return run
