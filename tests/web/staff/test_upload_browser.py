"""The bulk upload in Debian's Chromium: the acceptance flow (20-row XLSX with CP932-only
characters and 2 bad rows -> preview names both -> save -> 18 datasets via the API -> the
same list again, as Shift_JIS CSV -> 0 changes), and axe on every page, ja and en."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.bulk.uploads import UploadStore
from app.db import session_scope
from app.models.account import User
from tests.bulk.acceptance import BAD_DATE_ROW, BAD_URL_ROW, acceptance_rows
from tests.bulk.lists import to_csv, to_xlsx
from tests.web.staff.conftest import Staff, StaffSite, axe_serious, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def _upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Before the module's server starts (autouse runs first): uploads go to a temporary dir.
    os.environ["CATALOG_BULK_UPLOAD_DIR"] = str(tmp_path_factory.mktemp("uploads"))
    yield
    os.environ.pop("CATALOG_BULK_UPLOAD_DIR", None)


def _submit(page: Page, name: str, data: bytes, mime: str) -> None:
    page.goto("/dataset/upload")
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.click("form.staff-form button[type=submit]")
    # After the progress page (it refreshes itself every 2 s): the save form of the preview.
    page.wait_for_selector("form[action$='/save']", timeout=180_000)


def _total(base: str, org: str) -> int:
    body = httpx.get(f"{base}/api/v1/datasets", params={"organization": org}).json()
    return int(body["total"])


def test_bulk_upload_acceptance_flow(staff_page: Page, staff_site: str, staff: Staff) -> None:
    page = signed_in(staff_page, staff.editor_a, came_from="/dataset/upload")
    before = _total(staff_site, staff.org_a)
    _submit(page, "オープンデータ一覧.xlsx", to_xlsx(acceptance_rows(date_cells=True)), XLSX)
    issues = page.locator("table.table").first
    date_row = issues.locator(f"tr:has(td.num:text-is('{BAD_DATE_ROW}'))")
    assert "データセット_最終更新日" in date_row.inner_text()
    assert "平成31年5月1日" in date_row.inner_text()
    url_row = issues.locator(f"tr:has(td.num:text-is('{BAD_URL_ROW}'))")
    assert "ファイル_ダウンロードURL" in url_row.inner_text()
    assert "http" in url_row.inner_text()  # says what a valid URL looks like
    assert _total(staff_site, staff.org_a) == before  # nothing saved before the clerk says so
    if os.environ.get("CATALOG_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "bulk-upload-preview-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "bulk-upload-preview-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=有効な 18 件のデータセット（18 行）を保存する")
    page.wait_for_url("**/result", timeout=120_000)
    links = page.locator("ul.upload-result a")
    assert links.count() == 18
    assert _total(staff_site, staff.org_a) == before + 18
    first = links.first.get_attribute("href")
    assert first is not None
    shown = httpx.get(f"{staff_site}/api/v1/datasets/{first.rsplit('/', 1)[1]}").json()
    assert shown["title"].startswith("髙島地区 施設一覧①")
    assert "㈱髙島屋" in shown["notes"]
    # The same list again, as Shift_JIS (CP932) CSV: nothing to change.
    _submit(
        page,
        "オープンデータ一覧.csv",
        to_csv(acceptance_rows(date_cells=True), "cp932"),
        "text/csv",
    )
    assert "変更なし: 18 行" in page.inner_text("main")
    page.click("form[action$='/save'] button")
    page.wait_for_url("**/result", timeout=120_000)
    assert "新規 0 件、更新 0 件、変更なし 18 件" in page.inner_text("main")
    assert _total(staff_site, staff.org_a) == before + 18


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_upload_pages_have_no_serious_axe_violations(
    staff_page: Page, staff: Staff, lang: str
) -> None:
    page = signed_in(staff_page, staff.editor_a, came_from=f"/dataset/upload?lang={lang}")
    assert axe_serious(page) == [], "upload form (empty)"
    page.click("form.staff-form button[type=submit]")  # no file chosen
    page.wait_for_selector("#error-summary")
    assert axe_serious(page) == [], "upload form (error)"
    rows = acceptance_rows()[:4]
    for r in rows:  # new datasets in each language's run, so the result page lists links
        r["データセット_ID"] += f"-axe-{lang}"
    rows[1]["データセット_公開日"] = "令和元年4月30日"
    _submit(page, "list.csv", to_csv(rows, "cp932"), "text/csv")
    assert axe_serious(page) == [], "preview"
    page.click("form[action$='/save'] button")
    page.wait_for_url("**/result", timeout=120_000)
    assert page.locator("ul.upload-result a").count() == 3
    assert axe_serious(page) == [], "result"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_progress_page_refreshes_with_a_stop_button_and_passes_axe(
    staff_page: Page, staff_site_info: StaffSite, staff: Staff, lang: str
) -> None:
    """An upload still being read (as the store holds it mid-parse): the page reloads itself
    through static/auto-refresh.js, not a meta refresh, passes axe while doing so, and the
    reader can stop it (WCAG 2.2.1)."""
    with session_scope(staff_site_info.backend.sessions) as session:
        user_id = session.scalars(select(User.id).where(User.name == staff.editor_a.name)).one()
    store = UploadStore(Path(os.environ["CATALOG_BULK_UPLOAD_DIR"]))
    job = store.new(str(user_id), "list.xlsx", staff.org_a)
    job.done, job.total = 3, 20
    store.save(job)
    page = signed_in(staff_page, staff.editor_a, came_from=f"/dataset/upload/{job.id}?lang={lang}")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    toggle = page.locator(".auto-refresh button")
    expect(toggle).to_be_visible()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert axe_serious(page) == [], "progress (refreshing)"
    # It reloads: the progress written meanwhile shows without the reader doing anything.
    job.done = 7
    store.save(job)
    expect(page.locator("progress")).to_have_attribute("value", "7", timeout=30_000)
    page.locator(".auto-refresh button").click()
    expect(page.locator(".auto-refresh button")).to_have_attribute("aria-pressed", "true")
    job.done = 9
    store.save(job)
    page.wait_for_timeout(6_000)  # three refresh periods
    expect(page.locator("progress")).to_have_attribute("value", "7")
    assert axe_serious(page) == [], "progress (stopped)"
    job.status = "cancelled"
    store.save(job)
