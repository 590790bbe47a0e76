"""The dataset and resource forms in Debian's Chromium (issue 15's acceptance list): sign in,
create with two mistakes in one submit, fix, find it; the same by keyboard only; two
browsers editing one dataset; another organisation's clerk refused; resources added,
reordered, edited and deleted; delete with confirmation."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Browser, Page, expect

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from tests.web.staff.conftest import Staff, StaffSite, signed_in

WRONG_CODE = "011001"  # 011002 is Sapporo: the check digit makes 011001 invalid
_numbers = itertools.count(1)


def _dataset(site: StaffSite, org: str, title: str) -> str:
    """A dataset of `org` made through the service (a stand-in for earlier work)."""
    name = f"staff-forms-{next(_numbers)}"
    data = DatasetCreate(
        name=name,
        title=title,
        owner_org=org,
        notes="元の説明",
        resources=[{"url": "https://example.jp/first.csv", "name": "一つ目", "format": "csv"}],
    )
    with session_scope(site.backend.sessions) as session:
        datasets.create_dataset(session, SYSTEM, data)
    return name


def _summary_links(page: Page) -> list[str]:
    return page.locator(".error-summary a").evaluate_all("els => els.map(e => e.hash)")


def test_create_with_two_errors_keeps_everything_then_saves_and_is_found(
    staff_page: Page, staff: Staff
) -> None:
    page = signed_in(staff_page, staff.editor_a, came_from="/dataset/new")
    assert page.url.endswith("/dataset/new")
    page.fill("#title", "ブラウザ登録のAED設置場所")
    page.fill("#notes", "ブラウザから登録した説明文")
    page.fill("#tags", "AED, 救急")
    page.select_option("#license_id", "cc-by-4.0")
    page.check("input[name=categories][value=social-security-health]")
    page.fill("#measures", "02-22")
    page.fill("#spatial_code", WRONG_CODE)
    page.fill("#temporal_start", "2024-04-01")
    page.fill("#resources__0__url", "javascript:alert(1)")
    page.fill("#resources__0__name", "AED一覧CSV")
    page.fill("#resources__0__format", "CSV")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("form.staff-form button[type=submit]")
    assert posted.value.status == 422
    # Both messages, in the summary (linking to the fields) and at the fields.
    assert _summary_links(page) == ["#spatial_code", "#resources__0__url"]
    summary = page.inner_text(".error-summary")
    assert "全国地方公共団体コード" in summary and "http:// または https://" in summary
    for field in ("spatial_code", "resources__0__url"):
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}-error")).to_be_visible()
    expect(page.locator("#resources__0__url-error")).to_contain_text("https://")
    # Everything typed is kept.
    expect(page.locator("#title")).to_have_value("ブラウザ登録のAED設置場所")
    expect(page.locator("#notes")).to_have_value("ブラウザから登録した説明文")
    expect(page.locator("#tags")).to_have_value("AED, 救急")
    expect(page.locator("#license_id")).to_have_value("cc-by-4.0")
    expect(page.locator("input[name=categories][value=social-security-health]")).to_be_checked()
    expect(page.locator("#measures")).to_have_value("02-22")
    expect(page.locator("#spatial_code")).to_have_value(WRONG_CODE)
    expect(page.locator("#temporal_start")).to_have_value("2024-04-01")
    expect(page.locator("#resources__0__url")).to_have_value("javascript:alert(1)")
    expect(page.locator("#resources__0__name")).to_have_value("AED一覧CSV")
    # Fix both and save: 303 to the dataset's page.
    page.fill("#spatial_code", staff.org_a)
    page.fill("#resources__0__url", "https://example.jp/aed.csv")
    page.click("form.staff-form button[type=submit]")
    page.wait_for_url(re.compile(r"/dataset/011002_\d{8}_\d{4}$"))
    name = page.url.rsplit("/", 1)[1]
    expect(page.locator("h1")).to_contain_text("ブラウザ登録のAED設置場所")
    # Found by the public search (signed out: a fresh context would do; the page is public).
    page.goto("/dataset?q=ブラウザ登録")
    expect(page.locator(f"a[href='/dataset/{name}']").first).to_be_visible()
    api = page.request.get(f"/api/v1/datasets/{name}").json()
    assert api["spatial_code"] == staff.org_a
    assert api["resources"][0]["url"] == "https://example.jp/aed.csv"
    assert [m["name"] for m in api["measures"]] == ["02-22"]


def _tab_to(page: Page, element_id: str, limit: int = 400) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_the_create_flow_by_keyboard_only(staff_page: Page, staff: Staff) -> None:
    page = signed_in(staff_page, staff.editor_a, came_from="/dataset/new")
    _tab_to(page, "title")
    page.keyboard.type("キーボードだけで登録")
    _tab_to(page, "spatial_code")
    page.keyboard.type(WRONG_CODE)
    _tab_to(page, "resources__0__url")
    page.keyboard.type("javascript:alert(1)")
    page.keyboard.press("Enter")  # implicit submission
    page.wait_for_selector(".error-summary")
    # The summary has focus; its first link leads to the code field.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hash") == "#spatial_code"
    page.keyboard.press("Enter")
    _tab_to(page, "spatial_code", limit=5)
    page.keyboard.press("Control+A")
    page.keyboard.type(staff.org_a)
    _tab_to(page, "resources__0__url")
    page.keyboard.press("Control+A")
    page.keyboard.type("https://example.jp/keyboard.csv")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dataset/011002_\d{8}_\d{4}$"))
    expect(page.locator("h1")).to_contain_text("キーボードだけで登録")


def test_two_browsers_edit_one_dataset_and_the_second_sees_the_conflict(
    browser: Browser, staff_site_info: StaffSite, staff: Staff
) -> None:
    name = _dataset(staff_site_info, staff.org_a, "競合テスト")
    pages = []
    for user in (staff.editor_a, staff.admin_a):
        ctx = browser.new_context(base_url=staff_site_info.base, locale="ja-JP")
        ctx.set_default_timeout(20_000)
        pages.append(signed_in(ctx.new_page(), user, came_from=f"/dataset/edit/{name}"))
    first, second = pages
    first.fill("#title", "競合テスト（一人目）")
    second.fill("#notes", "二人目の説明")
    first.click("form.staff-form button[type=submit]")
    first.wait_for_url(f"**/dataset/{name}")
    with second.expect_response(lambda r: r.request.method == "POST") as posted:
        second.click("form.staff-form button[type=submit]")
    assert posted.value.status == 409
    expect(second.locator("#conflict")).to_contain_text("この間に他の人が保存しました")
    rows = second.locator("#conflict tbody tr")
    expect(rows.filter(has_text="タイトル")).to_contain_text("競合テスト（一人目）")
    expect(rows.filter(has_text="説明")).to_contain_text("二人目の説明")
    expect(second.locator("#notes")).to_have_value("二人目の説明")  # nothing lost
    # Saving again is the deliberate overwrite.
    second.get_by_role("button", name="上書きして保存").click()
    second.wait_for_url(f"**/dataset/{name}")
    api = second.request.get(f"/api/v1/datasets/{name}").json()
    assert api["notes"] == "二人目の説明"
    for page in pages:
        page.context.close()


def test_a_clerk_of_another_organisation_is_refused(
    staff_page: Page, staff_site_info: StaffSite, staff: Staff
) -> None:
    name = _dataset(staff_site_info, staff.org_a, "他の組織のデータセット")
    page = signed_in(staff_page, staff.editor_b)
    response = page.goto(f"/dataset/edit/{name}")
    assert response is not None and response.status == 403
    assert page.locator("form.staff-form").count() == 0
    expect(page.locator("h1")).to_contain_text("許可されていません")
    # The create form offers only their own organisation ...
    page.goto("/dataset/new")
    options = page.locator("#owner_org option").evaluate_all("os => os.map(o => o.value)")
    assert [o for o in options if o] == [staff.org_b]
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    # ... and the service refuses a forged post for the other one, or an edit of its dataset.
    forged = page.request.post(
        "/dataset/new",
        form={"csrf_token": token, "title": "なりすまし", "owner_org": staff.org_a},
        max_redirects=0,
    )
    assert forged.status == 403
    edit = page.request.post(
        f"/dataset/edit/{name}",
        form={"csrf_token": token, "title": "書き換え", "owner_org": staff.org_a},
        max_redirects=0,
    )
    assert edit.status == 403
    assert page.request.get(f"/api/v1/datasets/{name}").json()["title"] == "他の組織のデータセット"


def test_resources_are_added_reordered_edited_deleted_and_the_dataset_deleted(
    staff_page: Page, staff_site_info: StaffSite, staff: Staff
) -> None:
    name = _dataset(staff_site_info, staff.org_a, "リソース操作")
    page = signed_in(staff_page, staff.editor_a, came_from=f"/dataset/{name}/resource/new")
    page.fill("#url", "javascript:void(0)")
    page.fill("#name", "二つ目")
    page.click("form.staff-form button[type=submit]")
    expect(page.locator("#url")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_have_value("二つ目")
    page.fill("#url", "https://example.jp/second.csv")
    page.click("form.staff-form button[type=submit]")
    page.wait_for_url(f"**/dataset/edit/{name}#resources")
    items = page.locator("#resources li")
    expect(items).to_have_count(2)
    items.nth(1).get_by_role("button", name=re.compile("上へ")).click()
    page.wait_for_url(f"**/dataset/edit/{name}#resources")
    expect(page.locator("#resources li").first).to_contain_text("二つ目")
    page.locator("#resources li").first.get_by_role("link", name=re.compile("編集")).click()
    page.fill("#name", "二つ目（改）")
    page.click("form.staff-form button[type=submit]")
    page.wait_for_url(f"**/dataset/edit/{name}#resources")
    page.locator("#resources li").nth(1).get_by_role("link", name=re.compile("削除")).click()
    expect(page.locator("main")).to_contain_text("一つ目")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/dataset/edit/{name}#resources")
    api = page.request.get(f"/api/v1/datasets/{name}").json()
    assert [r["name"] for r in api["resources"]] == ["二つ目（改）"]
    page.goto(f"/dataset/delete/{name}")
    expect(page.locator("main")).to_contain_text("リソース操作")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.request.get(f"/api/v1/datasets/{name}").status == 404
