"""A request holds no transaction longer than its own work (issue 10, item 8).

Reads run as deferred transactions on SQLite (WAL readers neither wait for the writer nor block
it); only writes begin IMMEDIATE; the request's transaction ends before its body is sent.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text

from tests.api_ckan.conftest import make_dataset, make_many
from tests.concurrency.conftest import serve
from tests.conftest import Accounts, Backend


def _hold_write_lock(backend: Backend, held: threading.Event, release: threading.Event) -> None:
    """Another writer: an open write transaction (SQLite: the write lock; PostgreSQL: a row)."""
    # On SQLite the engine's "begin" hook issues BEGIN IMMEDIATE (the write lock).
    with backend.engine.connect() as conn, conn.begin():
        conn.execute(text("UPDATE dataset SET title = title WHERE name = 'held'"))
        held.set()
        release.wait(30)


def test_reads_answer_while_another_writer_holds_the_lock(
    backend: Backend, users: Accounts
) -> None:
    make_dataset(backend, name="held", title="保持")
    make_dataset(backend, name="other", title="他のデータ")
    reader = users.make("reader")
    held, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_write_lock, args=(backend, held, release))
    with serve(backend, db_busy_timeout=20.0) as url:
        writer.start()
        try:
            assert held.wait(10)
            with httpx.Client(base_url=url, timeout=15) as http:
                started = time.monotonic()
                shown = http.get("/api/3/action/package_show", params={"id": "other"})
                listed = http.post("/api/3/action/package_list", json={})
                native = http.get("/api/v1/datasets/held", headers=reader.headers)
                elapsed = time.monotonic() - started
        finally:
            release.set()
            writer.join()
    assert shown.status_code == 200, shown.text
    assert listed.status_code == 200 and "held" in listed.json()["result"]
    assert native.status_code == 200 and native.json()["title"] == "保持"
    # Without deferred reads they would have queued behind the writer for its 20 s timeout.
    assert elapsed < 10


def _slow_reader(url: str, path: str) -> socket.socket:
    """Send a GET and read only the first bytes of the answer, leaving the rest unread."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
    first = sock.recv(1024)
    assert first.startswith(b"HTTP/1.1 200"), first[:200]
    return sock


def test_a_slow_reader_of_a_large_response_does_not_block_writes(
    backend: Backend, users: Accounts
) -> None:
    # ~7 MB of JSON in one search page, more than the socket buffers between the two ends.
    make_many(backend, 300, prefix="big", notes="説明文" * 2500)
    editor = users.make("editor", org="011002")
    with serve(backend, db_busy_timeout=20.0) as url:
        slow = [
            _slow_reader(url, "/api/3/action/package_search?rows=1000"),
            _slow_reader(url, "/dump/catalog.nt.gz"),
        ]
        try:
            time.sleep(0.5)  # the server is now blocked sending to the slow readers
            with httpx.Client(base_url=url, timeout=15, headers=editor.headers) as http:
                created = http.post(
                    "/api/3/action/package_create",
                    json={"name": "while-slow", "title": "書き込み", "owner_org": "011002"},
                )
                patched = http.patch("/api/v1/datasets/big-0001", json={"title": "変更"})
        finally:
            for sock in slow:
                sock.close()
    assert created.status_code == 200, created.text
    assert patched.status_code == 200, patched.text
