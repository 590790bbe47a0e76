"""Cost of deletion detection on an incremental CKAN run: listing every remote id.

    python bench/deletions.py                 # 100,000 remote datasets
    python bench/deletions.py --n 20000

Serves a fake CKAN portal on 127.0.0.1 in a child process (so it does not share the GIL with
the harvester) whose package_search answers `fl=id,name` pages (as CKAN does: only those two
keys per result, `sort=id asc`, at most 1,000 rows), then times
`CkanSource.remote_keys()` through the guarded HTTP client, the call an incremental run makes
in addition to its changed records. Prints requests, bytes, seconds and peak RSS growth.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _serve(n: int) -> None:
    ids = [f"7f3c9e1a-0000-4000-8000-{i:012d}" for i in range(n)]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            start = int(query.get("start", ["0"])[0])
            rows = min(int(query.get("rows", ["10"])[0]), 1000)
            page = [{"id": i, "name": f"ds-{i[-12:]}"} for i in ids[start : start + rows]]
            body = json.dumps({"success": True, "result": {"count": n, "results": page}})
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        _serve(args.serve)
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.n)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        from app.harvest.fetch import GuardedClient
        from app.harvest.schemas import SourceConfig
        from app.harvest.sources.ckan import CkanSource

        client = GuardedClient("127.0.0.1")
        source = CkanSource(f"http://127.0.0.1:{port}", SourceConfig(), client)
        requests = 0
        sent = 0
        real_get = client.get

        def counting_get(*a: object, **kw: object) -> object:
            nonlocal requests, sent
            fetched = real_get(*a, **kw)  # type: ignore[arg-type]
            requests += 1
            sent += len(fetched.content)
            return fetched

        client.get = counting_get  # type: ignore[method-assign]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        keys = source.remote_keys()
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert len(keys) == args.n, len(keys)
        print(
            f"listing {args.n:,} remote ids: {requests} requests, {sent / 1e6:.1f} MB, "
            f"{elapsed:.2f} s, peak RSS +{(rss_after - rss_before) / 1024:.0f} MB"
        )
        client.close()
    finally:
        child.terminate()
        child.wait()


if __name__ == "__main__":
    main()
