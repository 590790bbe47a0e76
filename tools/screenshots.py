"""Screenshots of the public pages for the README: docs/screenshots/{page}-{width}.png.

    python tools/screenshots.py [name ...]   # only these (e.g. login-error); default: all

Builds a throwaway SQLite catalogue (the web test corpus plus 300 generated datasets),
serves it on 127.0.0.1 and photographs home, search, dataset, measure list and measure page
at 1280 px and 390 px wide in Debian's Chromium (fonts-noto-cjk for the Japanese glyphs).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import uvicorn  # noqa: E402
from pages_corpus import load  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from tests.conftest import _build  # noqa: E402
from tests.web import corpus  # noqa: E402
from tests.web.browser.conftest import _free_port  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PAGES = {
    "home": "/",
    "search": "/dataset?q=保育&prefecture=北海道",
    "dataset": "/dataset/sapporo-hoikujo",
    "measures": "/measure",
    "measure": f"/measure/{corpus.MEASURE}",
}
WIDTHS = {1280: 900, 390: 844}
# Staff pages in a state reached by acting on them: name -> what to do on a fresh page.
STATES = {
    "login-error": lambda page, base: _login_error(page, base),
}


def _login_error(page: Any, base: str) -> None:
    page.goto(base + "/user/login")
    page.fill("#name", "tanaka")
    page.fill("#password", "wrong password")
    page.click("form.staff-form button[type=submit]")
    page.locator("#login-failure").wait_for()


def main() -> None:
    only = set(sys.argv[1:])
    path = Path(tempfile.mkdtemp()) / "catalog.db"
    backend = _build("sqlite", f"sqlite:///{path}")
    corpus.load(backend)
    load(backend.sessions, 300, seed=7)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=backend.url, base_uri=base, search_memory="wait")
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width, height in WIDTHS.items():
            page = browser.new_page(
                viewport={"width": width, "height": height}, locale="ja-JP", device_scale_factor=1
            )
            for name, url in PAGES.items():
                if only and name not in only:
                    continue
                page.goto(base + url)
                page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=False)
                print(OUT / f"{name}-{width}.png")
            for name, act in STATES.items():
                if only and name not in only:
                    continue
                act(page, base)
                page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=False)
                print(OUT / f"{name}-{width}.png")
            page.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
