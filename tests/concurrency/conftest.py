"""A real uvicorn server on 127.0.0.1 with chosen settings, for the concurrency tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from app.main import create_app
from tests.conftest import Backend


@contextmanager
def serve(backend: Backend, **settings: Any) -> Iterator[str]:
    """The app with `settings` overriding the test defaults, served by uvicorn; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(backend.settings().model_copy(update=settings))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        backlog=2048,
        timeout_keep_alive=60,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def at_once(
    url: str, headers: dict[str, str], n: int, send: Callable[[httpx.Client, int], None]
) -> None:
    """`send(client, i)` for i in range(n), each on its own thread and client, released
    together by a barrier once every client is open; returns when all are done."""
    start = threading.Barrier(n)

    def run(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
            start.wait()
            send(http, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
