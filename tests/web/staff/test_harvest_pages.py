"""Harvest source pages in the browser (issue 15): an admin of org A creates a source against a
fake CKAN portal on 127.0.0.1, tests the connection (preview, nothing saved), runs it now (the
scheduler thread `catalog serve` runs on SQLite picks the job up, as in production), and reads
the job report with links to the added datasets. An editor of org B sees none of it. axe-core
on every harvest page, in Japanese and English.

Screenshots of the job report (docs/screenshots/harvest-job-{1280,390}.png) are written when
CATALOG_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from app.config import Settings
from app.db import session_scope
from app.main import create_app
from app.models import Dataset, HarvestSource
from tests.conftest import _build
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source
from tests.harvest.servers import FixtureServer, Reply
from tests.web import corpus
from tests.web.staff.conftest import STAFF, StaffSite, _free_port, create_staff, signed_in

ROOT = Path(__file__).resolve().parents[3]
AXE = Axe()
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SOURCE = "remote-portal"


@pytest.fixture(scope="module")
def portal() -> Iterator[CkanPortal]:
    """A CKAN portal on 127.0.0.1 with 8 datasets of a remote 札幌市 (names remote-…)."""
    server = FixtureServer().start()
    try:
        yield CkanPortal(server, prefix="remote")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def staff_site_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffSite]:
    """The staff live server, with the harvest allowed to reach 127.0.0.1 (the fake portal)
    and the scheduler thread on (polling every 0.2 s) to run queued jobs."""
    path: Path = tmp_path_factory.mktemp("staff-harvest") / "catalog.db"
    backend = _build("sqlite", f"sqlite:///{path}")
    corpus.load(backend)
    create_staff(backend)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=backend.url,
        base_uri=base,
        search_memory="wait",
        rate_limit_login="",
        harvest_allowed_hosts="127.0.0.1",
        harvest_scheduler=True,
        harvest_poll_seconds=0.2,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-staff-harvest", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the staff test server did not start")
        time.sleep(0.02)
    try:
        yield StaffSite(base, backend, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        backend.engine.dispose()


def _serious(page: Page) -> list[dict[str, Any]]:
    violations: list[dict[str, Any]] = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _count(site: StaffSite, model: Any) -> int:
    with session_scope(site.backend.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _fill_source(page: Page, url: str) -> None:
    page.fill("#name", SOURCE)
    page.fill("#title", "札幌市オープンデータ（テスト）")
    page.check("#type-1")  # CKAN
    page.fill("#url", url)


def test_create_preview_run_and_report(
    staff_page: Page, staff_site_info: StaffSite, portal: CkanPortal
) -> None:
    page = signed_in(staff_page, STAFF.admin_a, came_from="/harvest/new")
    assert page.url.endswith("/harvest/new")
    datasets_before = _count(staff_site_info, Dataset)

    # A wrong entry first: the summary names each field, what was typed is kept.
    _fill_source(page, "ftp://example.jp/")
    page.fill("#schedule_time", "25:00")
    page.fill("#rows", "abc")
    page.click("button:has-text('保存')")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("URLは http:// または https://")
    expect(summary).to_contain_text("時刻は 03:00 のように")
    expect(summary).to_contain_text("1ページの件数には整数を入力してください")
    expect(page.locator("#url-error")).to_be_visible()
    assert page.input_value("#name") == SOURCE and page.input_value("#rows") == "abc"
    assert page.input_value("#title") == "札幌市オープンデータ（テスト）"
    assert _count(staff_site_info, HarvestSource) == 0

    # Test connection: the first page, planned; nothing saved.
    page.fill("#url", portal.url)
    page.fill("#schedule_time", "03:00")
    page.fill("#rows", "5")
    page.click("button:has-text('接続テスト')")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("最初のページに 5 件（ソース全体で 8 件）")
    expect(preview).to_contain_text("AED設置場所一覧")
    expect(preview.locator("tbody tr")).to_have_count(5)
    expect(preview.locator("tbody tr").first).to_contain_text("新規")
    assert page.input_value("#name") == SOURCE  # the form is still filled in
    assert _count(staff_site_info, HarvestSource) == 0
    assert _count(staff_site_info, Dataset) == datasets_before

    # Save, then run now: the job page refreshes itself until the job is done.
    page.click("button:has-text('保存')")
    page.wait_for_url(f"**/harvest/{SOURCE}")
    expect(page.locator("main")).to_contain_text("毎日 03:00")
    page.click("button:has-text('今すぐ実行')")
    page.wait_for_url(f"**/harvest/{SOURCE}/job/*")
    expect(page.locator(".job-status")).to_have_text("完了", timeout=90_000)
    assert page.locator(".auto-refresh").count() == 0  # done: no more refresh
    records = page.locator("table.data-table tbody tr")
    expect(records).to_have_count(8)
    link = page.locator("a[href='/dataset/remote-aed']")
    expect(link).to_be_visible()
    assert _count(staff_site_info, Dataset) == datasets_before + 8

    # Filter by status (links, no script).
    page.click("nav .filter-links a:has-text('エラー')")
    expect(page.locator("main")).to_contain_text("0 件")
    page.click("nav .filter-links a:has-text('追加')")
    expect(records).to_have_count(8)
    report_url = page.url.split("?")[0]
    if os.environ.get("CATALOG_SCREENSHOTS"):
        page.goto(report_url)
        shots = ROOT / "docs" / "screenshots"
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(shots / f"harvest-job-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    # The added dataset is in the catalogue, reached from the report.
    page.goto(report_url)
    page.click("a[href='/dataset/remote-aed']")
    expect(page.locator("h1")).to_contain_text("AED設置場所一覧")

    # The source page lists the job with its counts.
    page.goto(f"/harvest/{SOURCE}")
    jobs = page.locator("table[aria-labelledby=jobs] tbody tr")
    expect(jobs).to_have_count(1)
    expect(jobs.first).to_contain_text("完了")
    expect(jobs.first.locator("td.num").first).to_have_text("8")

    # Test connection of the saved source: what was imported is now unchanged.
    page.click("button:has-text('接続テスト')")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("最初のページに 5 件（ソース全体で 8 件）")
    expect(preview.locator("tbody tr").first).to_contain_text("変更なし")
    expect(preview.locator("a[href='/dataset/remote-aed']")).to_be_visible()


def test_editor_of_another_organisation_is_refused(
    staff_page: Page, staff_site_info: StaffSite
) -> None:
    page = signed_in(staff_page, STAFF.editor_b)
    page.goto("/harvest")
    expect(page.locator("h1")).to_have_text("ハーベストソース")
    assert page.locator(f"a[href='/harvest/{SOURCE}']").count() == 0
    response = page.goto(f"/harvest/{SOURCE}")
    assert response is not None and response.status == 403
    response = page.goto(f"/harvest/{SOURCE}/edit")
    assert response is not None and response.status == 403
    response = page.goto("/harvest/new")
    assert response is not None and response.status == 403  # administers no organisation
    # A forged "run now" with this browser's valid CSRF token is refused by the service.
    token = page.evaluate("() => document.querySelector('input[name=csrf_token]')?.value ?? ''")
    answer = page.request.post(f"/harvest/{SOURCE}/run", form={"csrf_token": token})
    assert answer.status == 403


def test_editor_of_the_organisation_sees_but_does_not_manage(
    staff_page: Page, staff_site_info: StaffSite
) -> None:
    page = signed_in(staff_page, STAFF.editor_a)
    page.goto("/harvest")
    expect(page.locator(f"a[href='/harvest/{SOURCE}']")).to_be_visible()
    page.goto(f"/harvest/{SOURCE}")
    assert page.locator("button:has-text('今すぐ実行')").count() == 0
    response = page.goto(f"/harvest/{SOURCE}/edit")
    assert response is not None and response.status == 403


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_axe_on_every_harvest_page(
    staff_page: Page, staff_site_info: StaffSite, portal: CkanPortal, lang: str
) -> None:
    page = signed_in(staff_page, STAFF.admin_a)
    page.goto(f"/harvest/{SOURCE}?lang={lang}")
    job = page.locator("table[aria-labelledby=jobs] tbody a").first.get_attribute("href")
    assert job is not None
    pages = ["/harvest", "/harvest/new", f"/harvest/{SOURCE}", f"/harvest/{SOURCE}/edit", job]
    for path in pages:
        page.goto(f"{path}?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").count() == 1, path
        assert _serious(page) == [], path
    # The error state of the form, and the preview of a broken remote.
    page.goto(f"/harvest/new?lang={lang}")
    page.fill("#url", "not a url")
    page.fill("#rows", "0")
    page.locator("form.staff-form button[type=submit]").first.click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert _serious(page) == [], "form with errors"
    page.goto(f"/harvest/new?lang={lang}")
    page.fill("#name", "broken")
    page.fill("#url", "http://127.0.0.1:9/")  # nothing listens on the discard port
    page.locator("form.staff-form button[formaction]").click()
    expect(page.locator("#preview .notice--error")).to_be_visible()
    assert _serious(page) == [], "preview of a broken remote"
    page.fill("#url", portal.url)
    page.locator("form.staff-form button[formaction]").click()
    expect(page.locator("#preview tbody tr").first).to_be_visible()
    assert _serious(page) == [], "preview with records"


def test_running_job_page_refreshes_itself_until_done(
    staff_page: Page, staff_site_info: StaffSite, portal: CkanPortal
) -> None:
    """A portal that takes 6 s to answer: the job page shows it queued/running, reloads
    itself (static/auto-refresh.js, no meta refresh), passes axe while doing so, can be
    stopped and resumed with a button (WCAG 2.2.1), and shows the job finished."""
    body = b'{"success": true, "result": {"count": 0, "results": []}}'
    headers = {"Content-Type": "application/json"}
    portal.server.route("/slow/api/3/action/package_search", Reply(200, body, headers, 6.0))
    add_source(staff_site_info.backend, "slow-portal", portal.server.url("/slow/"))
    page = signed_in(staff_page, STAFF.admin_a, came_from="/harvest/slow-portal")
    page.click("button:has-text('今すぐ実行')")
    page.wait_for_url("**/harvest/slow-portal/job/*")
    expect(page.locator(".job-status")).to_have_text(re.compile("待機中|実行中"))
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    toggle = page.locator(".auto-refresh button")
    expect(toggle).to_have_text("自動更新を止める")
    expect(page.locator(".auto-refresh [role=status]")).to_contain_text("5 秒ごと")
    # The refreshing page itself passes axe (no meta-refresh rule disabled).
    assert _serious(page) == []
    # Stopped: the page stays as it is past several refresh periods, even when reloaded.
    toggle.click()
    expect(toggle).to_have_text("自動更新を再開")
    assert toggle.get_attribute("aria-pressed") == "true"
    page.evaluate("() => { window.__kept = true; }")
    page.wait_for_timeout(12_000)
    assert page.evaluate("() => window.__kept === true")  # not reloaded
    # Resumed: it reloads until the job is done.
    page.locator(".auto-refresh button").click()
    expect(page.locator(".job-status")).to_have_text("完了", timeout=90_000)
    assert page.locator(".auto-refresh").count() == 0


def test_running_job_page_without_javascript_has_a_refresh_link(
    browser: Browser, staff_site_info: StaffSite, portal: CkanPortal
) -> None:
    body = b'{"success": true, "result": {"count": 0, "results": []}}'
    headers = {"Content-Type": "application/json"}
    portal.server.route("/slow2/api/3/action/package_search", Reply(200, body, headers, 6.0))
    add_source(staff_site_info.backend, "slow-portal-2", portal.server.url("/slow2/"))
    context = browser.new_context(base_url=staff_site_info.base, java_script_enabled=False)
    try:
        page = signed_in(context.new_page(), STAFF.admin_a, came_from="/harvest/slow-portal-2")
        page.click("button:has-text('今すぐ実行')")
        page.wait_for_url("**/harvest/slow-portal-2/job/*")
        link = page.locator(".auto-refresh a")
        expect(link).to_have_text("最新の状態に更新")
        assert page.locator(".auto-refresh button").count() == 0
        for _ in range(60):
            link.click()
            if page.locator(".job-status").inner_text() == "完了":
                break
            page.wait_for_timeout(1_000)
        expect(page.locator(".job-status")).to_have_text("完了")
    finally:
        context.close()


@pytest.mark.parametrize("name", ["new", "job"])
def test_a_reserved_name_is_refused_by_the_form(
    staff_page: Page, staff_site_info: StaffSite, portal: CkanPortal, name: str
) -> None:
    """/harvest/new is the form and /harvest/{name}/job/… the reports: a source of such a
    name could not be reached, so the form names the problem and saves nothing."""
    page = signed_in(staff_page, STAFF.admin_a, came_from="/harvest/new")
    sources = _count(staff_site_info, HarvestSource)
    _fill_source(page, portal.url)
    page.fill("#name", name)
    page.click("button:has-text('保存')")
    expect(page.locator(".error-summary")).to_contain_text("画面の URL に使うため使えません")
    assert page.input_value("#name") == name
    assert _count(staff_site_info, HarvestSource) == sources


def test_form_post_without_csrf_token_is_refused(
    staff_page: Page, staff_site_info: StaffSite, portal: CkanPortal
) -> None:
    page = signed_in(staff_page, STAFF.admin_a)
    sources = _count(staff_site_info, HarvestSource)
    fields = {"name": "forged", "type": "ckan", "url": portal.url, "organization": STAFF.org_a}
    for path in ("/harvest/new", f"/harvest/{SOURCE}/run", f"/harvest/{SOURCE}/test"):
        assert page.request.post(path, form=fields).status == 403, path
    assert _count(staff_site_info, HarvestSource) == sources
