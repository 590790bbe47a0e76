"""HEAD answers as GET without a body on pages, RDF documents and API reads (it was 405)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Backend
from tests.web import corpus


def test_head_is_get_without_the_body(client: TestClient, backend: Backend) -> None:
    corpus.load(backend)
    for url in (
        "/",
        "/dataset?q=保育",
        "/dataset/sapporo-hoikujo",
        "/dataset/sapporo-hoikujo.ttl",
        "/catalog.ttl",
        "/sitemap.xml",
        "/api/3/action/package_show?id=sapporo-hoikujo",
        "/api/v1/datasets/sapporo-hoikujo",
        "/healthz",
        "/static/site.css",
    ):
        got = client.get(url)
        head = client.head(url)
        assert head.status_code == got.status_code == 200, (url, head.status_code)
        assert head.content == b"", url
        assert head.headers["content-type"] == got.headers["content-type"], url
    missing = client.head("/dataset/no-such-dataset")
    assert missing.status_code == 404 and missing.content == b""
    # Other methods are untouched.
    assert client.request("TRACE", "/dataset/sapporo-hoikujo").status_code == 405
