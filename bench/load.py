"""Load bench (issue 10): 200 parallel clients for 30 s against a real server.

    python bench/load.py                        # 10,000 datasets, SQLite then PostgreSQL
    python bench/load.py --n 2000 --seconds 10 --backends sqlite    # quicker

For each backend: a fresh catalogue (bench/serving.py), `uvicorn app.main:create_app` with
default settings except rate limits (off: every client shares 127.0.0.1), then
1. one client alone for `--alone` seconds: the p99 baseline of this run;
2. `--clients` clients (asyncio + httpx, each sending back to back) for `--seconds` seconds;
prints req/s, p50, p99, the status counts, the 5xx count (must be 0; 503 counts as 5xx) and
p99 under load as a ratio to p99 alone. The client runs on the same 2 cores as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import Server, catalogue, drive, paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--alone", type=float, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        print(f"{backend}: {args.n} datasets, {args.clients} clients x {args.seconds:.0f} s")
        with catalogue(backend, args.n) as url, Server(url) as server:
            targets = paths(args.n, random.Random(1))
            alone = asyncio.run(drive(server.base, targets, 1, args.alone))
            print(alone.line("alone", args.alone))
            loaded = asyncio.run(drive(server.base, targets, args.clients, args.seconds))
            print(loaded.line(f"{args.clients} clients", args.seconds))
            print(
                f"  5xx: {loaded.server_errors}  connection errors: "
                f"{sum(c for s, c in loaded.statuses.items() if not s.isdigit())}  "
                f"p99 under load / p99 alone: {loaded.p(0.99) / alone.p(0.99):.1f}x"
            )


if __name__ == "__main__":
    main()
