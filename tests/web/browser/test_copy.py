"""The /api page's copy buttons: made by a script (no dead buttons without JavaScript),
operable by keyboard, copying the example as shown and announcing it in a live region."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

STATUS = "#copy-status"


def test_without_javascript_there_are_no_buttons(browser: Browser, site: str) -> None:
    ctx = browser.new_context(base_url=site, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto("/api")
        assert page.locator("pre.code").count() == 6
        assert page.locator("button").count() == 0
        assert "package_search?q=保育" in page.locator("pre.code").first.inner_text()
    finally:
        ctx.close()


def _tab_to_copy_button(page: Page, nth: int) -> None:
    """Tab from the top of a freshly loaded page until the `nth` copy button has focus."""
    seen = 0
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('copy-button')"):
            if seen == nth:
                return
            seen += 1
    raise AssertionError(f"copy button {nth} not reachable with Tab")


@pytest.mark.parametrize(
    ("lang", "done", "label"), [("ja", "コピーしました", "コピー"), ("en", "Copied", "Copy")]
)
def test_keyboard_copies_the_example_and_announces_it(
    browser: Browser, site: str, lang: str, done: str, label: str
) -> None:
    ctx = browser.new_context(base_url=site, locale="ja-JP")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    try:
        page = ctx.new_page()
        page.goto(f"/api?lang={lang}")
        buttons = page.locator("button.copy-button")
        assert buttons.count() == 6
        assert buttons.first.inner_text() == label
        assert (buttons.first.get_attribute("aria-label") or "").startswith(label + ": ")
        assert page.locator(STATUS).get_attribute("aria-live") == "polite"

        _tab_to_copy_button(page, 0)
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelector('{STATUS}').textContent.length > 0")
        assert page.locator(STATUS).text_content() == done
        copied = page.evaluate("navigator.clipboard.readText()")
        # The command as a terminal needs it: the page's &amp; is a plain &.
        assert copied == page.locator("pre.code").first.text_content()
        assert copied.startswith(f"curl '{site}/api/3/action/package_search?q=保育&fq=")

        # Space on another button copies that example instead (from the top of a fresh page).
        page.goto(f"/api?lang={lang}")
        _tab_to_copy_button(page, 2)
        page.keyboard.press("Space")
        page.wait_for_function(f"document.querySelector('{STATUS}').textContent.length > 0")
        assert page.locator(STATUS).text_content() == done
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("from ckanapi import RemoteCKAN"), copied
    finally:
        ctx.close()
