"""One Lucene-subset parser for `q` and `fq` (issue 12): the boolean forms CKAN users type
against Solr answer exactly, values are NFKC-normalised, and what cannot be answered exactly
is a 400 Search Query Error naming it, never a silent empty result."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_ckan.conftest import make_dataset
from tests.conftest import Backend


def _search(client: TestClient, **params: Any) -> list[str]:
    res = client.post("/api/3/action/package_search", json={"rows": 100, **params})
    assert res.status_code == 200, res.text
    return sorted(p["name"] for p in res.json()["result"]["results"])


def _refused(client: TestClient, **params: Any) -> str:
    res = client.post("/api/3/action/package_search", json=params)
    assert res.status_code == 400, res.text
    error = res.json()["error"]
    assert error["__type"] == "Search Query Error"
    return str(error["message"])


@pytest.fixture
def catalogue(backend: Backend) -> None:
    def make(name: str, title: str, fmt: str = "CSV", tags: tuple[str, ...] = ()) -> None:
        make_dataset(
            backend,
            name=name,
            title=title,
            tags=[{"name": t} for t in tags],
            resources=[{"url": f"https://example.jp/{name}", "format": fmt}],
        )

    make("river-level", "川の水位観測", tags=("Ｗｉｆｉ",))
    make("river-map", "川の地図", "PDF")
    make("evacuation", "避難所一覧")
    make("evacuation-drill", "避難訓練の記録", "PDF")
    make("nursery-list", "保育所一覧")
    make("nursery-facilities", "保育施設の案内", "PDF")
    make("nursery-fees", "保育料の表")


@pytest.mark.usefixtures("catalogue")
def test_boolean_queries_in_q(client: TestClient) -> None:
    assert _search(client, q="川 AND 水位") == ["river-level"]
    assert _search(client, q="川 && 水位") == ["river-level"]
    assert _search(client, q="避難 NOT 訓練") == ["evacuation"]
    assert _search(client, q="避難 -訓練") == ["evacuation"]
    assert _search(client, q="保育 AND (一覧 OR 施設)") == ["nursery-facilities", "nursery-list"]
    assert _search(client, q="保育 NOT (一覧 OR 施設)") == ["nursery-fees"]
    assert _search(client, q='"保育所一覧" OR 地図') == ["nursery-list", "river-map"]
    assert _search(client, q="+保育 +料") == ["nursery-fees"]


@pytest.mark.usefixtures("catalogue")
def test_field_clauses_in_q_with_or_without_a_space(client: TestClient) -> None:
    pdfs = ["evacuation-drill", "nursery-facilities", "river-map"]
    assert _search(client, q="res_format:PDF") == pdfs
    assert _search(client, q="res_format: PDF") == pdfs
    assert _search(client, q="保育 AND res_format: PDF") == ["nursery-facilities"]
    assert _search(client, q="-res_format:PDF 保育") == ["nursery-fees", "nursery-list"]


@pytest.mark.usefixtures("catalogue")
def test_values_are_nfkc_normalised(client: TestClient) -> None:
    # The tag was stored NFKC-normalised as Wifi; typed full-width it is still found.
    assert _search(client, fq="tags:Ｗｉｆｉ") == ["river-level"]
    assert _search(client, fq="tags:Wifi") == ["river-level"]
    assert _search(client, q="ｒｅｓ＿ｆｏｒｍａｔ：ＰＤＦ　川") == ["river-map"]


@pytest.mark.usefixtures("catalogue")
def test_what_cannot_be_answered_is_named(client: TestClient) -> None:
    assert "title" in _refused(client, q="title:保育")
    assert "OR" in _refused(client, q="保育 OR res_format:PDF")
    assert "NOT (a AND b)" in _refused(client, q="NOT (保育 AND 一覧)")
    assert "Unbalanced" in _refused(client, q="保育 AND (一覧")
    assert "Wildcards" in _refused(client, fq="tags:保*")
    assert "Missing value" in _refused(client, q="res_format:")
