"""Slow-reader bench (issue 10): 16 clients' p99 with and without slow readers holding large
responses open.

    python bench/slow_reader.py                 # 10,000 datasets on SQLite
    python bench/slow_reader.py --n 2000 --seconds 10 --backend postgresql

A fresh catalogue and a real server (bench/serving.py). Phase 1: `--clients` clients read
ordinary pages for `--seconds` (the baseline of this run). Phase 2: two slow readers open
`package_search?rows=1000` (a few MB of JSON) and the full dump `/dump/catalog.nt.gz`, and read
them 4 KiB every 0.2 s, holding them open for the whole phase, while the same clients read
again. Prints both p99s and their ratio (target: within 2x), and how much each slow reader
had read by the end (it must still be reading, i.e. holding its response open).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import Server, catalogue, drive, paths

SLOW_PATHS = ("/api/3/action/package_search?rows=1000", "/dump/catalog.nt.gz")


def slow_read(base: str, path: str, stop: threading.Event, got: dict[str, int]) -> None:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    got[path] = 0
    try:
        while not stop.is_set():
            chunk = sock.recv(4096)
            if not chunk:
                got[path] = -got[path]  # finished early: no longer holding it open
                return
            got[path] += len(chunk)
            time.sleep(0.2)
    finally:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--backend", default="sqlite")
    args = parser.parse_args()
    print(f"{args.backend}: {args.n} datasets, {args.clients} clients x {args.seconds:.0f} s")
    with catalogue(args.backend, args.n) as url, Server(url) as server:
        targets = paths(args.n, random.Random(2))
        base = asyncio.run(drive(server.base, targets, args.clients, args.seconds))
        print(base.line("without slow readers", args.seconds))
        stop, got = threading.Event(), {}
        readers = [
            threading.Thread(target=slow_read, args=(server.base, p, stop, got)) for p in SLOW_PATHS
        ]
        for reader in readers:
            reader.start()
        time.sleep(1)
        slow = asyncio.run(drive(server.base, targets, args.clients, args.seconds))
        stop.set()
        for reader in readers:
            reader.join()
        print(slow.line("with slow readers", args.seconds))
        print(f"  slow readers' bytes read (negative = finished): {got}")
        print(
            f"  5xx: {base.server_errors + slow.server_errors}  "
            f"p99 with slow readers / p99 without: {slow.p(0.99) / base.p(0.99):.2f}x"
        )


if __name__ == "__main__":
    main()
