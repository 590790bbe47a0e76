"""An organisation's and a measure's datasets: the search page scoped to them (facets,
chips, paging, search box), state in the page's URL; and the search parser's mistakes
explained in the reader's language, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.ckan_input import from_ckan
from app.db import session_scope
from tests.conftest import Accounts, Backend
from tests.web import corpus

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _get(client: TestClient, url: str, **headers: str) -> str:
    response = client.get(url, headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200, (url, response.status_code)
    return response.text


def _facet(html: str, name: str) -> dict[str, tuple[int, str]]:
    """value label -> (count, link) of one facet's list."""
    block = re.search(rf'<h3 id="facet-{name}".*?</section>', html, re.S)
    if block is None:
        return {}
    out = {}
    for href, label, count in re.findall(
        r'<a href="([^"]+)"[^>]*>\s*<span class="facet__label">(?:<span[^>]*>[^<]*</span>)*'
        r"(?:<span[^>]*>)?([^<]+)(?:</span>)?</span>\s*<span class=\"facet__count\">([\d,]+)",
        block.group(0),
    ):
        out[label.strip()] = (int(count.replace(",", "")), unescape(href))
    return out


def _titles(html: str) -> set[str]:
    return set(re.findall(r'href="/dataset/([a-z0-9_-]+)"', html))


def test_organisation_page_has_the_scoped_facets(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    corpus.load(backend)
    html = _get(client, f"/organization/{corpus.SAPPORO}")
    # Every facet but the organisation the page is about; counts of what the reader sees.
    assert 'id="facet-organization"' not in html
    assert _facet(html, "res_format")["CSV"][0] == 2
    tags = _facet(html, "tags")
    assert tags["保育"][0] == 1 and "ひみつ" not in tags
    for word in corpus.HIDDEN_WORDS:
        assert word not in html
    # A facet link narrows the list and stays on the page; the chip takes it off again.
    link = tags["保育"][1]
    assert link == f"/organization/{corpus.SAPPORO}?tags=%E4%BF%9D%E8%82%B2"
    narrowed = _get(client, link)
    assert _titles(narrowed) >= {"sapporo-hoikujo"}
    assert "sapporo-hoikuen-aki" not in _titles(narrowed)
    assert "データセット（1件）" in narrowed
    chip = re.search(r'<a class="chip" href="([^"]+)">タグ: ', narrowed)
    assert chip is not None and chip.group(1) == f"/organization/{corpus.SAPPORO}"
    # The search box searches within the organisation, keeping the filters.
    box = re.search(r'<form class="search-box" action="([^"]+)".*?</form>', narrowed, re.S)
    assert box is not None and box.group(1) == f"/organization/{corpus.SAPPORO}"
    assert '<input type="hidden" name="tags" value="保育">' in box.group(0)
    words = _get(client, f"/organization/{corpus.SAPPORO}?q=空き")
    assert "sapporo-hoikuen-aki" in _titles(words) and "sapporo-hoikujo" not in _titles(words)
    # A member of the organisation sees its private dataset in the facets too.
    member = users.make("sapporo-member", org=corpus.SAPPORO, role="member")
    own = _get(client, f"/organization/{corpus.SAPPORO}", Authorization=member.token)
    assert _facet(own, "tags")["ひみつ"][0] == 1


def test_measure_page_has_the_scoped_facets(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    html = _get(client, f"/measure/{corpus.MEASURE}")
    assert 'id="facet-measure"' not in html
    organizations = _facet(html, "organization")
    link = f"/measure/{corpus.MEASURE}?organization={corpus.SAPPORO}"
    assert organizations == {"北海道札幌市": (1, link)}  # not the private/draft publishers
    for word in corpus.HIDDEN_WORDS:
        assert word not in html
    none = _get(client, f"/measure/{corpus.MEASURE}?res_format=XLSX")
    assert "関連するデータセット（0件）" in none
    assert f'href="/measure/{corpus.MEASURE}">すべての条件を外す' in none


def test_scoped_paging_keeps_the_filters(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    with session_scope(backend.sessions) as session:
        for i in range(30):
            fmt = "CSV" if i % 4 else "PDF"
            data, wanted = from_ckan(
                {
                    "name": f"sapporo-list-{i:02d}",
                    "title": f"札幌市 一覧 {i}",
                    "owner_org": corpus.SAPPORO,
                    "resources": [{"url": f"https://example.jp/{i}.{fmt}", "format": fmt}],
                }
            )
            dataset_service.create_dataset(session, SYSTEM, data, dataset_id=wanted)
    first = _get(client, f"/organization/{corpus.SAPPORO}?res_format=CSV")
    # 22 generated CSV lists + the two Sapporo CSV datasets of the corpus.
    assert "データセット（24件）" in first and "（1 / 2ページ）" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_link is not None
    url = unescape(next_link.group(1))
    assert url == f"/organization/{corpus.SAPPORO}?res_format=CSV&page=2"
    second = _get(client, url)
    assert len(_titles(second) - {"sapporo-hoikujo"}) >= 1
    assert not (_titles(first) & _titles(second)) - {"sapporo-hoikujo"}
    shown = (_titles(first) | _titles(second)) & {f"sapporo-list-{i:02d}" for i in range(30)}
    assert len(shown) == 22


@pytest.mark.parametrize(
    ("q", "ja", "en"),
    [
        ('"保育', '1文字目の " が閉じられていません', 'The " at character 1 is never closed'),
        ("保育 - 子育て", "4文字目の - の後に語がありません", "The - at character 4 has no word"),
        ("tags: 保育", "1文字目の「tags:」に値がありません", '"tags:" at character 1 has no value'),
        ("保育 OR", "4文字目の OR の前後には語が必要です", "The OR at character 4 needs a word"),
        ("保育 OR -子育て", "OR と除外（-語）は一緒に使えません", "OR cannot be combined"),
        ("保育 OR tags:防災", "OR でつなげるのは検索語どうし", "OR joins search words"),
    ],
)
def test_query_mistakes_are_explained_in_the_readers_language(
    client: TestClient, q: str, ja: str, en: str
) -> None:
    for lang, expected in (("ja", ja), ("en", en)):
        response = client.get(
            "/dataset", params={"q": q, "lang": lang}, headers={"Accept": BROWSER}
        )
        assert response.status_code == 400
        field_error = re.search(
            r'<p class="field-error" id="q-error">(.*?)</p>', response.text, re.S
        )
        assert field_error is not None
        assert expected in unescape(field_error.group(1)), (lang, field_error.group(1))
        assert '<span lang="en">' not in field_error.group(1)  # no untranslated detail
    # The APIs keep their English messages (the parser's, here).
    api = client.get("/api/v1/search", params={"q": q})
    assert api.status_code == 400
    assert en.split()[0] != "" and "Cannot parse query: " in api.text


def test_organisation_list_counts_what_the_reader_may_see(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    """The list's counts come from the search's facets (as the measure and category lists):
    public datasets for anyone, and a member's own private ones for that member."""
    corpus.load(backend)
    row = (
        r'北海道札幌市</a></th>\s*<td>市区町村</td>\s*<td>北海道</td>\s*<td class="num">(\d+)</td>'
    )
    anonymous = re.search(row, _get(client, "/organization?prefecture=01&q=札幌"))
    assert anonymous is not None and anonymous.group(1) == "2"
    member = users.make("sapporo-reader", org=corpus.SAPPORO, role="member")
    html = _get(client, "/organization?prefecture=01&q=札幌", Authorization=member.token)
    own = re.search(row, html)
    assert own is not None and own.group(1) == "3"
