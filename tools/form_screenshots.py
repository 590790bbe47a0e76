"""Screenshots of the dataset form with errors: docs/screenshots/dataset-form-errors-{width}.png.

    python tools/form_screenshots.py

Builds a throwaway SQLite catalogue (the web test corpus and its staff accounts, as
tests/web/staff/conftest.py makes them), serves it on 127.0.0.1, signs the editor of 札幌市 in
through the real form, submits the create form with a `javascript:` resource URL and a wrong
local-government code, and photographs the result at 1280 px and 390 px wide in Debian's
Chromium: the top of the page (the error summary and the first fields), and the section
with the local-government code, its message beside the field
(dataset-form-field-error-{width}.png).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from tests.conftest import _build  # noqa: E402
from tests.web import corpus  # noqa: E402
from tests.web.browser.conftest import _free_port  # noqa: E402
from tests.web.staff.conftest import STAFF, create_staff  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {1280: 1100, 390: 1400}


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "catalog.db"
    backend = _build("sqlite", f"sqlite:///{path}")
    corpus.load(backend)
    create_staff(backend)
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
            page.goto(f"{base}/user/login?came_from=/dataset/new")
            page.fill("#name", STAFF.editor_a.name)
            page.fill("#password", STAFF.editor_a.password)
            with page.expect_navigation():
                page.click("form.staff-form button[type=submit]")
            page.fill("#title", "AED設置場所一覧")
            page.fill("#notes", "札幌市内のAED設置場所です。")
            page.fill("#tags", "AED, 救急")
            page.fill("#spatial_code", "011001")
            page.fill("#resources__0__url", "javascript:alert(1)")
            page.fill("#resources__0__name", "AED一覧")
            page.click("form.staff-form button[type=submit]")
            page.wait_for_selector(".error-summary")
            target = OUT / f"dataset-form-errors-{width}.png"
            page.screenshot(path=str(target))
            print(f"wrote {target.relative_to(ROOT)}")
            # The message at the field: the code picker's section.
            field = OUT / f"dataset-form-field-error-{width}.png"
            page.locator("fieldset.form-section", has=page.locator("#spatial_code")).screenshot(
                path=str(field)
            )
            print(f"wrote {field.relative_to(ROOT)}")
            page.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
