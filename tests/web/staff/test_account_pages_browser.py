"""The account pages in Debian's Chromium: a token shown once that works against the Action
API, the members page refused to another organisation's editor (page and POST), the last
admin said in words, and axe on tokens, members and password in ja and en (with errors)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page

from tests.web.staff.conftest import Staff, axe_serious, signed_in


def test_token_created_in_the_browser_is_shown_once_and_works(
    staff_page: Page, staff: Staff, staff_site: str
) -> None:
    page = signed_in(staff_page, staff.editor_a)
    page.get_by_role("link", name="APIトークン").click()
    assert page.locator("h1").inner_text() == "APIトークン"
    page.fill("#token_name", "ブラウザで作成")
    page.select_option("#expires_in_days", "30")
    page.get_by_role("button", name="トークンを作成").click()
    value = page.locator("#new-token-value").input_value()
    assert value.startswith("jpcat_")
    assert page.evaluate("document.activeElement.id") == "new-token"
    with httpx.Client(base_url=staff_site) as api:
        answer = api.post(
            "/api/3/action/package_create",
            headers={"Authorization": value},
            json={
                "name": "browser-token-ds",
                "title": "ブラウザのトークン",
                "owner_org": staff.org_a,
            },
        )
        assert answer.status_code == 200, answer.text
    page.goto(f"/user/{staff.editor_a.name}/api-tokens")  # never again
    assert page.locator("#new-token-value").count() == 0
    assert value not in page.content()
    row = page.locator("tr", has_text="ブラウザで作成")
    row.get_by_role("button", name=re.compile("無効にする")).click()
    page.wait_for_url(re.compile(r"revoked=1"))
    assert page.locator("tr", has_text="ブラウザで作成").get_by_role("button").count() == 0
    with httpx.Client(base_url=staff_site) as api:
        refused = api.post(
            "/api/3/action/package_create",
            headers={"Authorization": value},
            json={"name": "after-revoke-ds", "title": "無効後", "owner_org": staff.org_a},
        )
        assert refused.status_code in (401, 403)


def test_editor_of_another_org_is_refused_the_members_page_and_its_posts(
    staff_page: Page, staff: Staff, staff_site: str
) -> None:
    page = signed_in(staff_page, staff.editor_b)
    answer = page.goto(f"/organization/members/{staff.org_a}")
    assert answer is not None and answer.status == 403
    assert page.locator("h1").count() == 1
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    cookie = next(c for c in page.context.cookies() if c["name"] == "catalog_session")["value"]
    with httpx.Client(base_url=staff_site, cookies={"catalog_session": cookie}) as client:
        posted = client.post(
            f"/organization/members/{staff.org_a}/add",
            data={"user": staff.editor_b.name, "role": "admin", "csrf_token": csrf},
        )
        assert posted.status_code == 403  # the CSRF token was right: the service refused
    # nothing changed: org A's admin does not see editor B among the members
    page.context.clear_cookies()
    signed_in(page, staff.admin_a)
    page.goto(f"/organization/members/{staff.org_a}")
    assert staff.editor_b.name not in page.locator("table").inner_text()


def test_admin_adds_changes_and_cannot_demote_the_last_admin(
    staff_page: Page, staff: Staff
) -> None:
    page = signed_in(staff_page, staff.admin_a)
    page.get_by_role("link", name="メンバーを管理").click()
    assert page.url.endswith(f"/organization/members/{staff.org_a}")
    page.fill("#user", staff.editor_b.name)
    page.select_option("#add-role", "member")
    page.get_by_role("button", name="追加する").click()
    assert f"{staff.editor_b.name} をメンバーに追加しました" in page.inner_text("main")
    # the last admin: refused, said beside the field and in the summary
    page.select_option(f"#role-{staff.admin_a.name}", "editor")
    page.locator("tr", has_text=staff.admin_a.name).get_by_role(
        "button", name=re.compile("役割を変更")
    ).click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "最後の管理者" in summary.inner_text()
    assert page.locator(f"#role-{staff.admin_a.name}-error").is_visible()
    assert axe_serious(page) == [], "members (error)"
    # remove the member added above
    page.locator("tr", has_text=staff.editor_b.name).get_by_role(
        "button", name=re.compile("外す")
    ).click()
    assert f"{staff.editor_b.name} をメンバーから外しました" in page.inner_text("main")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_token_member_and_password_pages_have_no_serious_axe_violations(
    staff_page: Page, staff: Staff, lang: str
) -> None:
    page = signed_in(staff_page, staff.admin_a)
    ja = lang == "ja"
    for path in (
        f"/user/{staff.admin_a.name}/api-tokens?lang={lang}",
        f"/organization/members/{staff.org_a}?lang={lang}",
        f"/user/{staff.admin_a.name}/password?lang={lang}",
    ):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").count() == 1
        assert axe_serious(page) == [], path
    page.goto(f"/user/{staff.admin_a.name}/api-tokens?lang={lang}")
    create = "トークンを作成" if ja else "Create token"
    page.get_by_role("button", name=create, exact=True).click()
    page.locator("#error-summary").wait_for()
    assert axe_serious(page) == [], "tokens (error)"
    page.fill("#token_name", "axe")
    page.get_by_role("button", name=create, exact=True).click()
    page.locator("#new-token-value").wait_for()
    assert axe_serious(page) == [], "tokens (created)"
    page.goto(f"/organization/members/{staff.org_a}?lang={lang}")
    page.get_by_role("button", name="追加する" if ja else "Add", exact=True).click()
    page.locator("#error-summary").wait_for()
    assert axe_serious(page) == [], "members (error)"
    page.goto(f"/user/{staff.admin_a.name}/password?lang={lang}")
    change = "パスワードを変更" if ja else "Change password"
    page.locator("main").get_by_role("button", name=change, exact=True).click()
    page.locator("#error-summary").wait_for()
    assert axe_serious(page) == [], "password (error)"
