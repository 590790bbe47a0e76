"""Our plan vocabulary (vocab.ttl), resolved under the base URI, as RDF and as an HTML page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from app.dcat.formats import Format
from app.dcat.graph import new_graph
from app.dcat.namespaces import DCT, PLAN, RDF, RDFS, SKOS
from app.dcat.stream import jsonld_context

VOCAB_FILE = Path(__file__).with_name("vocab.ttl")


def vocab_modified() -> datetime:
    """When vocab.ttl last changed (naive UTC, like every timestamp of the catalogue)."""
    return datetime.fromtimestamp(VOCAB_FILE.stat().st_mtime, UTC).replace(tzinfo=None)


def ontology_uri(base: str) -> str:
    return base.rstrip("/") + PLAN.path.rstrip("#")


@lru_cache(maxsize=4)
def vocab_graph(base: str) -> Graph:
    namespace = ontology_uri(base) + "#"
    graph = new_graph(namespace)
    graph.parse(VOCAB_FILE, format="turtle", publicID=ontology_uri(base))
    return graph


@lru_cache(maxsize=16)
def vocab_document(base: str, fmt: Format) -> bytes:
    graph = vocab_graph(base)
    if fmt.ext == "jsonld":
        namespace = ontology_uri(base) + "#"
        return graph.serialize(
            format="json-ld", context=jsonld_context(namespace), auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=fmt.serializer, encoding="utf-8")


@dataclass(frozen=True)
class VocabEntry:
    anchor: str
    uri: str
    kind: str
    label_ja: str
    label_en: str
    comment_ja: str
    range: str


def _text(graph: Graph, node: URIRef, predicate: str, lang: str) -> str:
    for value in graph.objects(node, URIRef(predicate)):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return ""


def entries(base: str) -> list[VocabEntry]:
    graph = vocab_graph(base)
    namespace = ontology_uri(base) + "#"
    found = []
    for node in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}):
        uri = str(node)
        if not uri.startswith(namespace):
            continue
        kind = graph.value(node, URIRef(RDF.type))
        label = SKOS.prefLabel if (node, URIRef(RDF.type), URIRef(SKOS.Concept)) in graph else None
        label = label or (DCT.title if kind == URIRef(SKOS.ConceptScheme) else RDFS.label)
        rng = graph.value(node, URIRef(RDFS.range))
        found.append(
            VocabEntry(
                anchor=uri[len(namespace) :],
                uri=uri,
                kind=str(kind).rsplit("#", 1)[-1] if kind is not None else "",
                label_ja=_text(graph, node, label, "ja"),
                label_en=_text(graph, node, label, "en"),
                comment_ja=_text(graph, node, RDFS.comment, "ja"),
                range=str(rng) if rng is not None else "",
            )
        )
    return found


def vocab_html(base: str) -> str:
    """The vocabulary page: one anchored row per term, so `…/ns/plan#kpiProgress` lands on it."""
    graph = vocab_graph(base)
    title = _text(graph, URIRef(ontology_uri(base)), DCT.title, "ja")
    description = _text(graph, URIRef(ontology_uri(base)), DCT.description, "ja")
    rows = "\n".join(
        f'<tr id="{escape(e.anchor)}"><td><code>plan:{escape(e.anchor)}</code></td>'
        f'<td>{escape(e.kind)}</td><td>{escape(e.label_ja)}<br><span lang="en">'
        f"{escape(e.label_en)}</span></td><td>{escape(e.comment_ja)}</td>"
        f"<td>{escape(e.range)}</td></tr>"
        for e in entries(base)
    )
    links = " ".join(
        f'<a href="{escape(ontology_uri(base))}.{ext}">{label}</a>'
        for ext, label in (("ttl", "Turtle"), ("rdf", "RDF/XML"), ("jsonld", "JSON-LD"))
    )
    return (
        f"<h1>{escape(title)}</h1><p>{escape(description)}</p>"
        f"<p>名前空間: <code>{escape(ontology_uri(base))}#</code> ・ {links}</p>"
        "<table><thead><tr><th>用語</th><th>種類</th><th>ラベル</th><th>説明</th><th>値域</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
