"""Signing in and out in Debian's Chromium: the dashboard, the one failure message, the CSRF
refusal of a forged POST, sign-out killing the cookie, and axe on the account pages."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page

from tests.web.staff.conftest import PASSWORD, Staff, axe_serious, signed_in

FAILURE = "ユーザー名またはパスワードが正しくありません。"


def _session_cookie(page: Page) -> str:
    cookies = {c["name"]: c for c in page.context.cookies()}
    cookie = cookies["catalog_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    return str(cookie["value"])


def test_sign_in_lands_on_the_dashboard_with_my_orgs_roles_and_drafts(
    staff_page: Page, staff: Staff
) -> None:
    page = signed_in(staff_page, staff.admin_a)
    assert page.url.endswith("/dashboard")
    main = page.locator("main")
    assert page.locator("h1").inner_text() == "マイページ"
    orgs = main.locator("table[aria-labelledby=my-orgs]")
    assert "札幌市" in orgs.inner_text() and "管理者" in orgs.inner_text()
    datasets = main.locator("table[aria-labelledby=my-datasets]")
    # the private dataset of 札幌市 is listed with its state; 千代田区's draft is not mine
    assert "非公開" in datasets.locator("tr", has_text="ひみつの保育メモ").inner_text()
    assert "下書きだけの保育データ" not in datasets.inner_text()
    # the header shows who is signed in, with the sign-out button
    header = page.locator("header .site-account")
    assert staff.admin_a.name in header.inner_text()
    assert header.get_by_role("button", name="ログアウト").is_visible()


def test_dashboard_of_the_other_org_shows_its_draft(staff_page: Page, staff: Staff) -> None:
    page = signed_in(staff_page, staff.editor_b)
    orgs = page.locator("table[aria-labelledby=my-orgs]").inner_text()
    assert "千代田区" in orgs and "編集者" in orgs and "札幌市" not in orgs
    datasets = page.locator("table[aria-labelledby=my-datasets]")
    assert "下書き" in datasets.locator("tr", has_text="下書きだけの保育データ").inner_text()
    assert "ひみつの保育メモ" not in datasets.inner_text()
    # an editor manages no members: no link to the members page
    assert page.get_by_role("link", name="メンバーを管理").count() == 0


def test_wrong_password_and_unknown_user_read_the_same(staff_page: Page, staff: Staff) -> None:
    answers = []
    for name in (staff.editor_a.name, "no-such-user"):
        staff_page.goto("/user/login")
        staff_page.fill("#name", name)
        staff_page.fill("#password", "wrong password")
        staff_page.click("form.staff-form button[type=submit]")
        alert = staff_page.locator("#login-failure")
        alert.wait_for()
        answers.append(alert.inner_text())
        assert staff_page.input_value("#name") == name  # kept
        assert staff_page.input_value("#password") == ""
    assert answers[0] == answers[1] and FAILURE in answers[0]


def test_forged_post_without_csrf_token_is_refused(
    staff_page: Page, staff: Staff, staff_site: str
) -> None:
    page = signed_in(staff_page, staff.editor_a)
    cookie = _session_cookie(page)
    with httpx.Client(base_url=staff_site, cookies={"catalog_session": cookie}) as client:
        assert client.get("/dashboard").status_code == 200
        forged = client.post("/user/logout", headers={"accept": "text/html"})
        assert forged.status_code == 403
        assert "フォームの有効期限が切れました" in forged.text
        # the session is untouched
        assert client.get("/dashboard").status_code == 200


def test_sign_out_makes_the_old_cookie_worthless(
    staff_page: Page, staff: Staff, staff_site: str
) -> None:
    page = signed_in(staff_page, staff.editor_b)
    cookie = _session_cookie(page)
    page.locator("header .site-account").get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/user/login?signed_out=1")
    assert "ログアウトしました" in page.inner_text("main")
    assert "catalog_session" not in {c["name"] for c in page.context.cookies()}
    with httpx.Client(base_url=staff_site, cookies={"catalog_session": cookie}) as client:
        answer = client.get("/dashboard")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/user/login")


def test_sign_in_returns_to_the_page_that_asked(staff_page: Page, staff: Staff) -> None:
    staff_page.goto("/dashboard?lang=en")
    assert "/user/login?came_from=" in staff_page.url
    staff_page.fill("#name", staff.sysadmin.name)
    staff_page.fill("#password", PASSWORD)
    with staff_page.expect_navigation():
        staff_page.click("form.staff-form button[type=submit]")
    assert staff_page.url.endswith("/dashboard?lang=en")
    assert staff_page.locator("h1").inner_text() == "My page"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_account_pages_have_no_serious_axe_violations(
    staff_page: Page, staff: Staff, lang: str
) -> None:
    page = staff_page
    page.goto(f"/user/login?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex"
    assert axe_serious(page) == [], "login (empty)"
    page.click("form.staff-form button[type=submit]")  # nothing typed: the error summary
    page.locator("#error-summary").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#name[aria-invalid=true]").count() == 1
    assert axe_serious(page) == [], "login (errors)"
    page.fill("#name", staff.editor_a.name)
    page.fill("#password", "wrong password")
    page.click("form.staff-form button[type=submit]")
    page.locator("#login-failure").wait_for()
    assert axe_serious(page) == [], "login (wrong password)"
    signed_in(page, staff.admin_a)
    page.goto(f"/dashboard?lang={lang}")
    assert page.locator("h1").count() == 1
    assert axe_serious(page) == [], "dashboard"
    page.goto(f"/user/logout?lang={lang}")
    assert axe_serious(page) == [], "sign-out page"
