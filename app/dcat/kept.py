"""No silent loss: what no mapping row consumed is named, kept, and published again.

After the mapping table has read a dataset or distribution node, every predicate on it that no
row reads is named in the record's notes. Its literal and IRI values are kept in extras under
the predicate IRI (`http://purl.org/dc/terms/rights` -> value); `KeptValues`, a row of the same
table, writes them back on export. Encoding of a kept value: the bare text for one plain
string literal, else a JSON list of JSON-LD value objects (`{"@value", "@language"|"@type"}`
or `{"@id"}`); no angle brackets, so text cleaning leaves it intact.

A kept value whose property has a class range in DCAT-AP 3 (range.ttl) is written as a node
of that class labelled with the literal, so the export stays valid against the shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from app.dcat.codec import Codec, Emission, ReadScope, Term
from app.dcat.context import Context
from app.dcat.iri import mint
from app.dcat.namespaces import DCAT, DCT, FOAF, RDF, RDFS, SKOS, VCARD, XSD
from app.dcat.triples import Iri, LitTuple, iri

# Property -> class its objects must have (DCAT-AP 3.0.1 range.ttl, the common ones).
RANGE_CLASS: dict[str, str] = {
    DCT.accessRights: DCT.ns + "RightsStatement",
    DCT.rights: DCT.ns + "RightsStatement",
    DCT.provenance: DCT.ns + "ProvenanceStatement",
    DCT.accrualPeriodicity: DCT.Frequency,
    DCT.conformsTo: DCT.Standard,
    DCT.creator: FOAF.Agent,
    DCT.publisher: FOAF.Agent,
    DCT.format: DCT.MediaTypeOrExtent,
    DCT.language: DCT.LinguisticSystem,
    DCT.license: DCT.LicenseDocument,
    DCT.spatial: DCT.Location,
    DCT.temporal: DCT.PeriodOfTime,
    DCT.type: SKOS.Concept,
    DCAT.theme: SKOS.Concept,
    DCAT.contactPoint: VCARD.Kind,
    DCAT.landingPage: FOAF.Document,
    DCAT.mediaType: DCT.MediaType,
    FOAF.page: FOAF.Document,
    "http://www.w3.org/ns/adms#status": SKOS.Concept,
    "http://data.europa.eu/r5r/availability": SKOS.Concept,
}
ALWAYS_READ = frozenset({RDF.type})


def is_kept_key(key: str) -> bool:
    return key.startswith(("http://", "https://"))


def consumed(terms: Iterable[Term]) -> frozenset[str]:
    """Predicates the rows read on a node: each codec's `predicate` and its `also`."""
    found = set(ALWAYS_READ)
    for term in terms:
        found.add(term.predicate)
        found.update(getattr(term.codec, "also", ()))
    return frozenset(found)


def encode(values: Sequence[Node]) -> str:
    if len(values) == 1 and isinstance(values[0], Literal):
        lit = values[0]
        if not lit.language and lit.datatype in (None, URIRef(XSD.string)):
            return str(lit)
    items: list[dict[str, str]] = []
    for node in values:
        if isinstance(node, URIRef):
            items.append({"@id": str(node)})
        elif isinstance(node, Literal):
            item = {"@value": str(node)}
            if node.language:
                item["@language"] = node.language
            elif node.datatype is not None and str(node.datatype) != XSD.string:
                item["@type"] = str(node.datatype)
            items.append(item)
    return orjson.dumps(items).decode()


def decode(value: str) -> list[Iri | LitTuple]:
    if not value.startswith("[{"):
        return [(value, "", "")]
    try:
        items = orjson.loads(value)
    except orjson.JSONDecodeError:
        return [(value, "", "")]
    out: list[Iri | LitTuple] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if "@id" in item:
            found = iri(str(item["@id"]))  # from data: escaped or refused by the builder
            if found is not None:
                out.append(found)
        elif "@value" in item:
            lang, dtype = str(item.get("@language", "")), str(item.get("@type", ""))
            out.append((str(item["@value"]), lang, "" if lang else dtype))
    return out


def leftovers(scope: ReadScope, node: Node, done: frozenset[str], what: str) -> dict[str, str]:
    """Extras for the predicates on `node` no row consumed; each is named in the notes."""
    extras: dict[str, str] = {}
    by_predicate: dict[str, list[Node]] = {}
    for p, o in scope.graph.predicate_objects(node):
        if str(p) not in done:
            by_predicate.setdefault(str(p), []).append(o)
    for predicate, values in sorted(by_predicate.items()):
        keep = sorted((_unwrap(scope, v) for v in values if not isinstance(v, BNode)), key=str)
        dropped = len(values) - len(keep)
        if keep:
            extras[predicate] = encode(keep)
        said = f"{what}: {predicate} not mapped"
        if keep:
            said += f", kept as extra ({len(keep)} value{'s' if len(keep) > 1 else ''})"
        if dropped:
            said += f", {dropped} structured value{'s' if dropped > 1 else ''} not kept"
        scope.notes.append(said)
    return extras


def _unwrap(scope: ReadScope, node: Node) -> Node:
    """A labelled node `KeptValues` wrote for a literal is that literal again."""
    if isinstance(node, URIRef) and "#kept-" in node:
        label = scope.graph.value(node, URIRef(RDFS.label))
        if isinstance(label, Literal):
            return label
    return node


def ill_typed(scope: ReadScope, node: Node, what: str) -> None:
    """Name literals whose value does not fit their datatype (rdflib flags them)."""
    for p, o in scope.graph.predicate_objects(node):
        if isinstance(o, Literal) and o.ill_typed:
            scope.notes.append(f"{what}: {p} value {str(o)!r} is not a valid {o.datatype}")


class KeptValues(Codec):
    """Writes back the values kept in extras under a predicate IRI (see module docstring)."""

    fields = ("extras",)
    predicate = ""

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        extras = getattr(rec, "extras", None) or {}
        for n, (key, value) in enumerate(sorted(extras.items())):
            if not is_kept_key(key):
                continue
            cls = RANGE_CLASS.get(key)
            for m, obj in enumerate(decode(value)):
                if isinstance(obj, str) and cls:  # an IRI: type it as the range wants
                    out.triples.append((s, key, obj))
                    if out.typed(obj, cls) and cls == SKOS.Concept:
                        # The shapes want a label on a concept: its code, as in the IRI.
                        code = obj.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
                        out.triples.append((obj, SKOS.prefLabel, (code or obj, "", "")))
                elif cls:  # a literal where a node is wanted: a labelled node of the class
                    node = mint(s, fragment=f"kept-{n}-{m}")
                    out.triples.append((s, key, node))
                    out.typed(node, cls, shared=False)
                    out.triples.append((node, RDFS.label, obj))
                else:
                    out.triples.append((s, key, obj))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        return {}  # `leftovers` reads these, after every other row
