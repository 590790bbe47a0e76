"""The pages over HTTP (no browser), on SQLite and PostgreSQL: negotiation, languages, error
pages, URL state of the search page, and what anonymous readers must not see."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import Accounts, Backend
from tests.web import corpus

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _get(client: TestClient, url: str, **headers: str) -> str:
    response = client.get(url, headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200, (url, response.status_code)
    return response.text


def test_search_page_carries_its_state_in_the_url(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    html = _get(client, "/dataset?q=保育&prefecture=北海道&sort=title+asc")
    assert "「保育」の検索結果" in html
    assert "sapporo-hoikujo" in html and "chiyoda-hoikujo" not in html
    # The chip removes the prefecture only; query and sort stay.
    chip = re.search(r'<a class="chip" href="([^"]+)">都道府県', html)
    assert chip is not None
    assert chip.group(1) == "/dataset?q=%E4%BF%9D%E8%82%B2&amp;sort=title+asc"
    unfiltered = _get(client, chip.group(1).replace("&amp;", "&"))
    assert "chiyoda-hoikujo" in unfiltered
    # The selected sort is the selected option.
    assert '<option value="title asc" selected>' in html


def test_zero_results_page_helps(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    html = _get(client, "/dataset?q=存在しない語&res_format=CSV")
    assert "条件に合うデータセットは見つかりませんでした" in html
    assert 'href="/dataset?q=%E5%AD%98' in html  # remove the format filter, keep the words
    assert "キーワードを外して" in html


def test_unreadable_query_is_explained_beside_the_box(client: TestClient) -> None:
    response = client.get('/dataset?q="保育', headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text and 'href="#q"' in response.text
    assert 'aria-invalid="true"' in response.text and 'value="&#34;保育"' in response.text


def test_snippet_marks_the_words_found(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    html = _get(client, "/dataset?q=ﾎｲｸｴﾝ")  # half-width katakana finds hiragana
    assert "<mark>ほいくえん</mark>" in html


def test_dataset_page_links_and_escapes(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    html = _get(client, "/dataset/sapporo-hoikujo")
    assert '<a href="https://example.jp/hoiku" rel="nofollow noopener">' in html
    assert "一覧です。<br>" in html  # line breaks kept
    assert '<script type="application/ld+json">' in html
    assert 'href="/dataset/sapporo-hoikujo/resource/' in html
    assert 'href="/api/v1/datasets/sapporo-hoikujo"' in html
    assert 'type="text/turtle"' in html


def test_english_by_parameter_then_cookie(client: TestClient, backend: Backend) -> None:
    response = client.get("/?lang=en", headers={"Accept": BROWSER})
    assert response.headers["content-language"] == "en"
    assert '<html lang="en">' in response.text and "Skip to main content" in response.text
    assert response.cookies.get("lang") == "en"
    again = _get(client, "/measure")
    assert '<html lang="en">' in again and "Priority field" in again
    assert '<html lang="ja">' in _get(client, "/measure?lang=ja")


def test_error_pages_for_browsers_json_for_programs(backend: Backend) -> None:
    app = create_app(backend.settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        missing = client.get("/dataset/no-such-dataset", headers={"Accept": BROWSER})
        assert missing.status_code == 404 and "ページが見つかりません" in missing.text
        unknown = client.get("/no/such/page", headers={"Accept": BROWSER})
        assert unknown.status_code == 404 and '<main id="main"' in unknown.text
        crash = client.get("/boom", headers={"Accept": BROWSER})
        assert crash.status_code == 500 and "サーバーでエラーが発生しました" in crash.text
        api = client.get("/api/v1/datasets/no-such-dataset", headers={"Accept": BROWSER})
        assert api.status_code == 404 and api.json()["error"]["type"] == "Not Found"
        assert (
            client.get("/dataset/no-such-dataset")
            .headers["content-type"]
            .startswith("application/json")
        )
        assert client.get("/api").json() == {"version": 3}  # CKAN's answer for clients
        assert "CKAN API" in client.get("/api", headers={"Accept": BROWSER}).text


def test_hidden_datasets_only_for_members(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    corpus.load(backend)
    for path in ("/", "/dataset?q=保育", "/organization/011002", f"/measure/{corpus.MEASURE}"):
        html = _get(client, path)
        for word in corpus.HIDDEN_WORDS:
            assert word not in html, (word, path)
    member = users.make("sapporo-clerk", org=corpus.SAPPORO, role="member")
    html = _get(client, "/dataset?q=保育", Authorization=member.token)
    assert "ひみつの保育メモ" in html and "SECRETFMT" in html
    assert "下書きだけ" not in html  # Chiyoda's draft stays Chiyoda's
    assert client.get("/dataset/sapporo-himitsu", headers={"Accept": BROWSER}).status_code == 404


def test_lists_filter_and_count(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    prefectures = _get(client, "/organization?kind=prefecture")
    assert "47件の組織" in prefectures and "北海道札幌市" not in prefectures
    hokkaido = _get(client, "/organization?prefecture=01&q=札幌")
    assert re.search(
        r"北海道札幌市</a></th>\s*<td>市区町村</td>\s*<td>北海道</td>\s*"
        r'<td class="num">2</td>',
        hokkaido,
    )
    # A prefecture's page lists its municipalities; a municipality's its datasets.
    assert 'href="/organization/011002"' in _get(client, "/organization/010006")
    assert "札幌市 保育所一覧" in _get(client, "/organization/011002")
    measures = _get(client, "/measure?field=infrastructure-disaster-prevention")
    assert "件の施策（全180件）" in measures
    shown = int(re.search(r"(\d+)件の施策（全180件）", measures).group(1))  # type: ignore[union-attr]
    assert 0 < shown < 180
    page = _get(client, f"/measure/{corpus.MEASURE}")
    assert "関連するデータセット（1件）" in page and "札幌市 保育所一覧" in page
    categories = _get(client, "/category")
    assert re.search(r"社会保障・衛生</span> <span class=\"tile__count\">1件", categories)


def test_a_record_in_several_languages_shows_the_readers(
    client: TestClient, backend: Backend
) -> None:
    corpus.load(backend)
    from app.accounts.actor import SYSTEM
    from app.datasets import service as dataset_service
    from app.datasets.schemas import DatasetPatch
    from app.db import session_scope

    extras = {"title@en": "Sapporo nursery list", "notes@en": "Licensed nurseries."}
    with session_scope(backend.sessions) as session:
        dataset_service.update_dataset(
            session, SYSTEM, "sapporo-hoikujo", DatasetPatch(extras=extras), mode="patch"
        )
    english = _get(client, "/dataset/sapporo-hoikujo?lang=en")
    assert "<h1>Sapporo nursery list</h1>" in english and "Licensed nurseries." in english
    japanese = _get(client, "/dataset/sapporo-hoikujo?lang=ja")
    assert "<h1>札幌市 保育所一覧</h1>" in japanese
