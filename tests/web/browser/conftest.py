"""Browser tests: a real uvicorn server on 127.0.0.1 over a SQLite catalogue holding the web
corpus, and Debian's Chromium driven by Playwright (sync API). One backend is enough here:
the pages call the same services the API tests run on both databases."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page

from app.config import Settings
from app.main import create_app
from tests.conftest import _build
from tests.web import corpus


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a server whose catalogue is `tests.web.corpus`."""
    path: Path = tmp_path_factory.mktemp("web") / "catalog.db"
    backend = _build("sqlite", f"sqlite:///{path}")
    corpus.load(backend)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=backend.url, base_uri=base, search_memory="wait")
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        backend.engine.dispose()


@pytest.fixture
def context(browser: Browser, site: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=site, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
