"""axe-core on every page template, in Japanese and in English: no serious or critical
violation (WCAG 2.1 AA rules, as axe-core tags them)."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.web import corpus

# One URL per template (search with facets and chips, and the zero-result page).
PAGES = [
    "/",
    "/dataset?q=保育&prefecture=北海道",
    "/dataset?q=存在しない語zz",
    '/dataset?q="unclosed',
    "/dataset/sapporo-hoikujo",
    "/organization",
    "/organization/010006",
    "/organization/011002?tags=保育",  # scoped facets with a chip
    "/measure",
    f"/measure/{corpus.MEASURE}",
    f"/measure/{corpus.MEASURE}?res_format=XLSX",  # scoped, nothing found
    "/category",
    "/category/social-security-health",
    "/api",
    "/catalog",
    "/ns/plan",
    "/no-such-page",
]
AXE = Axe()
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _serious(page: Page) -> list[dict[str, Any]]:
    results = AXE.run(page, options=OPTIONS)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violations(page: Page, path: str, lang: str) -> None:
    sep = "&" if "?" in path else "?"
    page.goto(f"{path}{sep}lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1, "one h1 per page"
    assert _serious(page) == []


def test_resource_page(page: Page) -> None:
    page.goto("/dataset/sapporo-hoikujo")
    page.locator("table a[href*='/resource/']").first.click()
    for lang in ("ja", "en"):
        page.goto(page.url.split("?")[0] + f"?lang={lang}")
        assert page.locator("h1").count() == 1
        assert _serious(page) == []


def test_narrow_screen_has_no_horizontal_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/", "/dataset?q=保育", "/dataset/sapporo-hoikujo", f"/measure/{corpus.MEASURE}"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways at 360px by {overflow}px"
