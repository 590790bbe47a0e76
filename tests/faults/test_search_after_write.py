"""Many package_search GETs at once, each time right after a write: every one is answered.

A search that finds the memory index behind catches it up under the index's thread lock, with
its own database session. If that session's queries ever yield to the event loop while the
lock is held (an async session), the next search on the loop blocks the loop's thread on the
lock and the worker hangs for good: no request of any kind is answered again. The app runs in
a child process with a watchdog, so a hang fails this test instead of stopping the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import Accounts, Backend

ROUNDS = 8
CLIENTS = 16

CHILD = textwrap.dedent(
    f"""
    import os, sys, threading
    from fastapi.testclient import TestClient
    from app.config import Settings
    from app.main import create_app

    url, token = sys.argv[1], sys.argv[2]
    settings = Settings(database_url=url, base_uri="http://catalog.test", search_memory="wait")
    editor = {{"Authorization": token}}
    answered = []
    progress = {{"round": -1}}

    def watchdog():
        threading.Event().wait(90)
        print("HUNG in round", progress["round"], "after", len(answered), "answers", flush=True)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    with TestClient(create_app(settings)) as client:
        body = {{"name": "hoikusho", "title": "保育所一覧", "owner_org": "011002"}}
        assert client.post("/api/v1/datasets", json=body, headers=editor).status_code == 201
        assert client.get("/api/3/action/package_search?q=保育").status_code == 200
        for round in range({ROUNDS}):
            progress["round"] = round
            patch = {{"title": f"認可保育所{{round}}"}}
            # The memory index is now one generation behind: the next searches catch it up.
            resp = client.patch("/api/v1/datasets/hoikusho", json=patch, headers=editor)
            assert resp.status_code == 200, resp.text
            start = threading.Barrier({CLIENTS})

            def search():
                start.wait()
                resp = client.get("/api/3/action/package_search?q=保育")
                answered.append((resp.status_code, resp.json()["result"]["count"]))

            threads = [threading.Thread(target=search) for _ in range({CLIENTS})]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert client.get("/api/3/action/status_show").status_code == 200
    print("ANSWERS", sorted(set(answered)), len(answered), flush=True)
    os._exit(0)
    """
)


def test_concurrent_searches_after_each_write_are_all_answered(
    backend: Backend, users: Accounts
) -> None:
    editor = users.make("sapporo-editor", org="011002")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, backend.url, editor.token],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-800:] + done.stderr[-2000:]
    assert f"ANSWERS [(200, 1)] {ROUNDS * CLIENTS}" in done.stdout, done.stdout[-800:]
