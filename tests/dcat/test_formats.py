"""The format table: URL suffixes and Accept negotiation (HTML for browsers, RDF on request)."""

from __future__ import annotations

import pytest

from app.dcat.formats import BY_EXT, HTML, negotiate, split_ext

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "html"),
        ("", "html"),
        (BROWSER, "html"),
        ("*/*", "html"),
        ("text/turtle", "ttl"),
        ("application/x-turtle", "ttl"),
        ("application/rdf+xml", "rdf"),
        ("application/ld+json", "jsonld"),
        ("application/json", "jsonld"),
        ("application/n-triples", "nt"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "rdf"),
        ("text/html;q=0.1, text/turtle", "ttl"),
        ("text/*", "html"),
        ("text/*;q=0.5, application/ld+json", "jsonld"),
        ("text/turtle;q=0, */*;q=0.1", "html"),
        ("text/html; q=abc, text/turtle", "ttl"),
    ],
)
def test_negotiation(accept: str | None, expected: str) -> None:
    chosen = negotiate(accept)
    assert chosen is not None and chosen.ext == expected


def test_nothing_acceptable_and_rdf_only_resources() -> None:
    assert negotiate("image/png") is None
    assert negotiate("text/html", html=False) is None
    chosen = negotiate(BROWSER, html=False)
    assert chosen is not None and chosen.ext == "ttl"


def test_suffixes() -> None:
    assert split_ext("sapporo-aed.ttl") == ("sapporo-aed", BY_EXT["ttl"])
    assert split_ext("02-22.jsonld") == ("02-22", BY_EXT["jsonld"])
    assert split_ext("02-22") == ("02-22", None)
    assert split_ext("name.html") == ("name.html", None)
    assert HTML.content_type == "text/html; charset=utf-8"
    assert BY_EXT["nt"].content_type == "application/n-triples; charset=utf-8"
    assert BY_EXT["jsonld"].content_type == "application/ld+json"
