"""The direct writers emit the same graph as rdflib, in every format, whatever the text."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.formats import BY_EXT, FORMATS
from app.dcat.graph import to_graph
from app.dcat.stream import render, serialize_with_rdflib, stream
from app.dcat.triples import Iri, iri
from tests.dcat.samples import (
    CTX,
    NASTY,
    categories,
    dataset,
    full_dataset,
    measure,
    organization,
    orphan_measure,
)
from tests.dcat.shacl import date_violations, violations

STREAM_FORMATS = [f for f in FORMATS if f.stream]


def _sample_triples() -> list[tuple[str, str, object]]:
    out = Emission()
    full, minimal = full_dataset(), dataset()
    documents.root_catalog(
        CTX,
        out,
        measures=[measure(), orphan_measure()],
        datasets=[CTX.dataset(full.id), CTX.dataset(minimal.id)],
    )
    documents.category_scheme(CTX, out, categories())
    documents.paging(
        documents.Paging(
            this=CTX.base + "/catalog.ttl?q=日本 語&page=2",
            first=CTX.base + "/catalog.ttl?page=1",
            last=CTX.base + "/catalog.ttl?page=3",
            next=CTX.base + "/catalog.ttl?page=3",
            previous=CTX.base + "/catalog.ttl?page=1",
            total=250,
            per_page=100,
        ),
        out,
    )
    documents.dataset(full, CTX, out)
    documents.dataset(minimal, CTX, out)
    documents.organization(organization(), CTX, out)
    return out.take()  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", STREAM_FORMATS, ids=lambda f: f.ext)
def test_streamed_graph_is_isomorphic_to_the_rdflib_graph(fmt: object) -> None:
    triples = _sample_triples()
    reference = to_graph(triples)  # type: ignore[arg-type]
    assert fmt in STREAM_FORMATS
    ours = Graph().parse(data=render(fmt, CTX.plan_ns, triples), format=fmt.parser)  # type: ignore[arg-type, attr-defined]
    theirs = Graph().parse(
        data=serialize_with_rdflib(fmt, CTX.plan_ns, triples),  # type: ignore[arg-type]
        format=fmt.parser,  # type: ignore[attr-defined]
    )
    assert len(ours) == len(reference) > 150
    assert isomorphic(ours, reference)
    assert isomorphic(theirs, reference)
    # The nasty text survived exactly: quotes, backslashes, CR/LF, tabs, markup, emoji, DEL.
    literals = {str(o) for o in ours.objects() if isinstance(o, Literal)}
    assert any(NASTY in text for text in literals)
    assert any(text.endswith(NASTY) for text in literals)


def test_all_four_formats_carry_the_same_triples() -> None:
    triples = _sample_triples()
    graphs = [
        Graph().parse(data=render(f, CTX.plan_ns, triples), format=f.parser)  # type: ignore[arg-type]
        for f in FORMATS
    ]
    for graph in graphs[1:]:
        assert isomorphic(graph, graphs[0])


def test_chunked_stream_describes_shared_nodes_once_and_keeps_the_graph() -> None:
    # The export writes one chunk per dataset; shared nodes (publisher, licence, concepts)
    # are described in the first chunk only, and the merged graph is the same.
    datasets = [full_dataset(), dataset(), full_dataset("0b8a5a37-0e2f-4d59-8a8e-1c6a1b0e7c12")]
    out = Emission()
    chunks = []
    for ds in datasets:
        documents.dataset(ds, CTX, out)
        chunks.append(out.take())
    whole = Emission()
    for ds in datasets:
        documents.dataset(ds, CTX, whole)
    reference = to_graph(whole.take())
    for fmt in STREAM_FORMATS:
        text = "".join(stream(fmt, CTX.plan_ns, iter(chunks)))
        assert isomorphic(Graph().parse(data=text, format=fmt.parser), reference), fmt.ext
    agent_names = [t for chunk in chunks for t in chunk if t[0] == CTX.organization("011002")]
    assert len([t for t in agent_names if t[1].endswith("name")]) == 1


def test_jsonld_is_compact_and_a_strict_processor_accepts_it() -> None:
    triples = _sample_triples()
    text = render(BY_EXT["jsonld"], CTX.plan_ns, triples)
    doc = json.loads(text)
    assert set(doc) == {"@context", "@graph"}
    assert doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    node = next(n for n in doc["@graph"] if n["@id"] == CTX.dataset(full_dataset().id))
    assert node["@type"] == "dcat:Dataset" and "dct:title" in node
    expanded = jsonld.expand(doc)
    assert any("http://www.w3.org/ns/dcat#Dataset" in n.get("@type", []) for n in expanded)
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    from_pyld = Graph().parse(data=nquads, format="nt")
    assert isomorphic(from_pyld, to_graph(triples))  # type: ignore[arg-type]


def test_iris_are_encoded_or_refused() -> None:
    assert iri("https://example.org/a b.csv") == "https://example.org/a%20b.csv"
    assert iri('http://x/"q"<a>{b}|c^d`e\\f') == "http://x/%22q%22%3Ca%3E%7Bb%7D%7Cc%5Ed%60e%5Cf"
    assert iri("https://例え.jp/データ") == "https://例え.jp/データ"
    for bad in ("", "relative/path", "javascript:alert(1)", "dcat:Dataset", "http:", "//x/y"):
        assert iri(bad) is None, bad
    # A landing page that is not an IRI is left out rather than written as a broken one.
    ds = dataset(url="www.example.org/no-scheme")
    out = Emission()
    documents.dataset(ds, CTX, out)
    assert all(p != "http://www.w3.org/ns/dcat#landingPage" for _s, p, _o in out.take())
    assert isinstance(iri("mailto:a@b.jp"), Iri)


def test_dates_are_typed_and_valid() -> None:
    graph = to_graph(_sample_triples())  # type: ignore[arg-type]
    assert date_violations(graph) == []
    subject = URIRef(CTX.dataset(full_dataset().id))
    issued = graph.value(subject, URIRef("http://purl.org/dc/terms/issued"))
    assert isinstance(issued, Literal)
    assert str(issued.datatype) == "http://www.w3.org/2001/XMLSchema#dateTime"
    # Our check catches what the 3.0.1 shapes miss (they use sh:shape, which is ignored).
    graph.set((subject, URIRef("http://purl.org/dc/terms/issued"), Literal("15/01/2024")))
    assert len(date_violations(graph)) == 1
    assert violations(graph) == []


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.ext)
def test_sample_documents_conform_to_dcat_ap_3(fmt: object) -> None:
    text = render(fmt, CTX.plan_ns, _sample_triples())  # type: ignore[arg-type]
    graph = Graph().parse(data=text, format=fmt.parser)  # type: ignore[attr-defined]
    assert violations(graph) == []


def test_the_validator_would_catch_a_broken_document() -> None:
    graph = to_graph(_sample_triples())  # type: ignore[arg-type]
    subject = URIRef(CTX.dataset(full_dataset().id))
    graph.remove((subject, URIRef("http://purl.org/dc/terms/description"), None))
    problems = violations(graph)
    assert len(problems) == 1 and "description" in problems[0]
