"""Clients that keep reading a served app during a fault, and what they saw."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

# A search on each surface: the native API, CKAN's Action API, a Linked Data document.
READS = (
    "/api/v1/search?q=保育&facet=organization",
    '/api/3/action/package_search?q=避難&facet.field=["organization"]',
    "/catalog.ttl",
)


@dataclass
class Seen:
    status: int
    path: str
    seconds: float
    retry_after: str | None = None
    body: Any = None
    at: float = 0.0


@dataclass
class Load:
    """`clients` threads reading `READS` in turn until stopped; each request times out
    after `timeout` s (a hang shows as status 0)."""

    base: str
    clients: int = 3
    timeout: float = 20.0
    seen: list[Seen] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=self.timeout) as client:
            i = n
            while not self._stop.is_set():
                path = READS[i % len(READS)]
                i += 1
                start = time.monotonic()
                try:
                    resp = client.get(path)
                    status, headers = resp.status_code, resp.headers
                    body = resp.json() if status >= 500 else None
                except (httpx.TimeoutException, httpx.TransportError):
                    status, headers, body = 0, httpx.Headers(), None
                seen = Seen(status, path, time.monotonic() - start,
                            headers.get("retry-after"), body, time.monotonic())  # fmt: skip
                with self._lock:
                    self.seen.append(seen)
                time.sleep(0.02)

    def __enter__(self) -> Load:
        for n in range(self.clients):
            thread = threading.Thread(target=self._client, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)

    def statuses(self) -> Counter[int]:
        return Counter(s.status for s in self.seen)


def check_unavailable(seen: Seen) -> None:
    """A 503 as a client of its surface expects it: Retry-After, and the surface's shape."""
    assert seen.retry_after is not None and int(seen.retry_after) > 0, seen
    if seen.path.startswith("/api/3/"):
        assert seen.body["success"] is False, seen
        assert seen.body["error"]["__type"] == "Service Unavailable", seen
    else:
        assert seen.body["error"]["type"] == "Service Unavailable", seen
    assert "try again" in str(seen.body) or "retry" in str(seen.body), seen


def wait_for(predicate: Any, timeout: float, step: float = 0.1) -> float:
    """Seconds until `predicate()` was true; fails after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        time.sleep(step)
    return time.monotonic() - start
