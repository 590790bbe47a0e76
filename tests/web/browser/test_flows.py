"""The reader's flows of issue 14, in Chromium against a real server."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.web import corpus


def _result_names(page: Page) -> list[str]:
    hrefs = page.locator(".result-list .card__title a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return sorted(h.removeprefix("/dataset/") for h in hrefs)


def _api_names(site: str, q: str) -> list[str]:
    found = httpx.get(f"{site}/api/v1/search", params={"q": q, "limit": 100}).json()
    return sorted(item["name"] for item in found["items"])


def test_home_search_filter_open_download(page: Page) -> None:
    page.goto("/")
    page.get_by_label("データセットを検索").fill("保育")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("h1")).to_have_text("「保育」の検索結果")
    assert "sapporo-hoikujo" in _result_names(page)
    assert "chiyoda-hoikujo" in _result_names(page)

    facet = page.get_by_role("region", name="都道府県")
    facet.get_by_role("link", name="北海道").click()
    expect(page).to_have_url(re.compile(r"prefecture=.*|q=.*prefecture="))
    # The chip names the filter and removes it; results are Hokkaido's only.
    expect(page.get_by_role("link", name="都道府県: 北海道")).to_be_visible()
    assert "chiyoda-hoikujo" not in _result_names(page)
    assert "sapporo-hoikujo" in _result_names(page)

    page.get_by_role("link", name="札幌市 保育所一覧").click()
    expect(page.locator("h1")).to_have_text("札幌市 保育所一覧")
    download = page.locator("a.download-link").first
    expect(download).to_have_attribute("href", "https://example.jp/sapporo/hoikujo.csv")


def test_two_character_and_half_width_kana_queries_match_the_api(page: Page, site: str) -> None:
    for q in ("保育", "ﾎｲｸ"):
        page.goto(f"/dataset?q={q}")
        web = _result_names(page)
        assert web, f"no results for {q!r}"
        assert web == _api_names(site, q)
    # Half-width katakana finds the hiragana title (kana folding, as the API does).
    assert "sapporo-hoikuen-aki" in _api_names(site, "ﾎｲｸ")


def test_english_switch_translates_and_keeps_the_page(page: Page) -> None:
    page.goto("/dataset?q=保育")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Results for “保育”")
    assert "/dataset" in page.url and "q=" in page.url
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("link", name="Datasets")).to_be_visible()
    # The cookie keeps English on the next page; data stays Japanese, marked as such.
    page.goto("/dataset/sapporo-hoikujo")
    expect(page.get_by_role("heading", name="Data and resources")).to_be_visible()
    expect(page.locator("h1")).to_have_attribute("lang", "ja")
    page.get_by_role("link", name="日本語").click()
    expect(page.get_by_role("heading", name="データとリソース")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_private_and_draft_datasets_appear_on_no_page(page: Page, site: str) -> None:
    pages = [
        "/",
        "/dataset",
        "/dataset?q=保育",
        "/organization/011002",
        "/organization/131016",
        "/organization/010006",
        f"/measure/{corpus.MEASURE}",
        "/measure",
        "/category",
        "/catalog",
    ]
    for path in pages:
        page.goto(path)
        text = page.locator("body").inner_text()
        for word in corpus.HIDDEN_WORDS:
            assert word not in text, f"{word!r} shown on {path}"
        for name in (corpus.PRIVATE["name"], corpus.DRAFT["name"]):
            assert page.locator(f'a[href="/dataset/{name}"]').count() == 0, (name, path)
    # Searching for their own words finds nothing (the query itself is echoed, so no
    # word check there).
    for path in ("/dataset?q=ひみつ", "/dataset?q=下書きだけ", "/dataset?res_format=SECRETFMT"):
        page.goto(path)
        expect(page.locator(".zero-results")).to_be_visible()
        expect(page.locator("#results-title")).to_contain_text("0件")
    # Counts: the home page and the organisation list count the four public datasets only.
    page.goto("/")
    expect(page.locator(".stats__item").first).to_contain_text(str(len(corpus.PUBLIC)))
    page.goto(f"/measure/{corpus.MEASURE}")
    expect(page.locator("#ds-title")).to_contain_text("1件")
    page.goto("/organization?q=札幌")
    row = page.get_by_role("row", name="北海道札幌市")
    expect(row.locator("td.num")).to_have_text("2")
    for name in (corpus.PRIVATE["name"], corpus.DRAFT["name"]):
        response = page.goto(f"/dataset/{name}")
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_have_text("ページが見つかりません")


def test_keyboard_only_from_home_to_a_dataset(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.textContent.trim()")
    assert first == "本文へ移動"  # the skip link is the first stop
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")  # skip to the main content
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "home-q":
            break
    assert page.evaluate("document.activeElement.id") == "home-q"
    page.keyboard.type("保育")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("「保育」の検索結果")
    for _ in range(60):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if href.startswith("/dataset/"):
            break
    else:
        raise AssertionError("no dataset link reached with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dataset/[a-z]"))
    expect(page.get_by_role("heading", name="データとリソース")).to_be_visible()
