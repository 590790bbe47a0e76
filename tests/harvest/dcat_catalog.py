"""A DCAT catalogue on 127.0.0.1: hydra-paged Turtle, or JSON-LD with a remote @context."""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph

from tests.harvest.servers import FixtureServer, Reply, Seen

BASE = "https://opendata.pref.example.jp"
# (name, title, keywords)
DATASETS = [
    ("aed", "AED設置場所一覧", ["AED", "救急"]),
    ("hinanjo", "指定緊急避難場所一覧", ["避難", "防災"]),
    ("hoikusho", "保育施設一覧", ["保育"]),
    ("bunkazai", "文化財一覧", ["文化財"]),
    ("kanko", "観光施設一覧", ["観光"]),
]
PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def dataset_ttl(name: str, title: str, keywords: list[str], modified: str) -> str:
    words = ", ".join(f'"{k}"@ja' for k in keywords)
    return f"""
<{BASE}/dataset/{name}> a dcat:Dataset ;
    dct:identifier "pref-{name}" ;
    dct:title "{title}"@ja ;
    dct:description "北海道の{title}です。"@ja ;
    dcat:keyword {words} ;
    dct:publisher [ a foaf:Agent ; foaf:name "北海道"@ja ; dct:identifier "010006" ] ;
    dct:modified "{modified}"^^xsd:dateTime ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL> ;
    dcat:distribution [ a dcat:Distribution ;
        dct:title "{title} (CSV)"@ja ;
        dcat:accessURL <{BASE}/files/{name}.csv> ;
        dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
        dct:license <https://creativecommons.org/licenses/by/4.0/> ] .
"""


class DcatCatalog:
    """Pages of `per_page` datasets at /catalog.ttl?page=N (or /catalog.jsonld?page=N)."""

    def __init__(self, server: FixtureServer, per_page: int = 2) -> None:
        self.server = server
        self.per_page = per_page
        self.datasets: dict[str, tuple[str, list[str], str]] = {
            name: (title, kw, "2024-05-01T10:00:00+09:00") for name, title, kw in DATASETS
        }
        self.loop_to: int | None = None  # page N points back to this page
        self.broken_page: int | None = None
        server.route("/catalog.ttl", self.turtle)
        server.route("/catalog.jsonld", self.jsonld)
        server.route(
            "/context.jsonld",
            lambda _s: Reply(
                body=json.dumps({"@context": CONTEXT}).encode(),
                headers={"Content-Type": "application/ld+json"},
            ),
        )

    def url(self, ext: str = "ttl") -> str:
        return self.server.url(f"/catalog.{ext}")

    def _page_ttl(self, ext: str, page: int) -> str:
        names = sorted(self.datasets)
        chunk = names[(page - 1) * self.per_page : page * self.per_page]
        pages = max(1, -(-len(names) // self.per_page))
        this = self.server.url(f"/catalog.{ext}?page={page}")
        lines = [PREFIXES, f"<{this}> a hydra:PagedCollection ; hydra:totalItems {len(names)} ."]
        target = (
            self.loop_to
            if (self.loop_to and page == pages)
            else (page + 1 if page < pages else None)
        )
        if target is not None:
            lines.append(
                f"<{this}> hydra:nextPage <{self.server.url(f'/catalog.{ext}?page={target}')}> ."
            )
        for name in chunk:
            title, kw, modified = self.datasets[name]
            lines.append(dataset_ttl(name, title, kw, modified))
        return "\n".join(lines)

    def turtle(self, seen: Seen) -> Reply:
        page = int(seen.query.get("page", 1))
        if page == self.broken_page:
            return Reply(
                body=b"<this is> not turtle ;; at all", headers={"Content-Type": "text/turtle"}
            )
        body = self._page_ttl("ttl", page).encode()
        return Reply(body=body, headers={"Content-Type": "text/turtle; charset=utf-8"})

    def jsonld(self, seen: Seen) -> Reply:
        page = int(seen.query.get("page", 1))
        graph = Graph().parse(data=self._page_ttl("jsonld", page), format="turtle")
        doc: Any = json.loads(graph.serialize(format="json-ld", context=CONTEXT))
        doc["@context"] = self.server.url("/context.jsonld")  # a remote context, as portals do
        return Reply(
            body=json.dumps(doc, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/ld+json"},
        )
