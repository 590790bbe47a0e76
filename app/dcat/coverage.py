"""Rows for what real DCAT-AP feeds carry beyond our own export: every spelling of a version,
every conformsTo, rights statements, spatial IRIs and geometry, EU data themes.

Values that have no column of their own are kept in extras under the property IRI (see
`app.dcat.kept`), so `KeptValues` publishes them again; each row says here what it reads.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from app.dcat.codec import Codec, Emission, ReadScope
from app.dcat.context import Context, parse_own_uri
from app.dcat.iri import mint
from app.dcat.kept import decode, encode
from app.dcat.namespaces import ADMS, DCAT, DCT, LOCN, OWL, RDFS, SKOS
from app.dcat.triples import Iri, Lit

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
# EU data themes (EU Vocabularies "data-theme") -> our 17 categories (seed/categories.json).
# Several themes share a category, so the theme IRIs are also kept and published again.
EU_THEMES: dict[str, str] = {
    "AGRI": "agriculture-forestry-fisheries",
    "ECON": "business-household-economy",
    "EDUC": "education-culture-sports-life",
    "ENER": "energy-water",
    "ENVI": "justice-safety-environment",
    "GOVE": "public-administration-finance",
    "HEAL": "social-security-health",
    "INTR": "international",
    "JUST": "justice-safety-environment",
    "REGI": "land-weather",
    "SOCI": "population-households",
    "TECH": "ict-science-technology",
    "TRAN": "transport-tourism",
    "OP_DATPRO": "other",
}
LABELS = (RDFS.label, SKOS.prefLabel, DCT.title, DCT.description)


def _label(scope: ReadScope, node: Node) -> Literal | None:
    """The first literal label of a node (rdfs:label, skos:prefLabel, dct:title, then
    dct:description), as feeds label blank nodes for formats, rights or concepts."""
    for predicate in LABELS:
        for lit in scope.objects(node, predicate):
            if isinstance(lit, Literal):
                return lit
    return None


def eu_theme(uri: str) -> str | None:
    """Our category for an EU data-theme IRI (http or https, any case), else None."""
    low = uri.split("://", 1)[-1].lower()
    base = EU_THEME.split("://", 1)[-1]
    if not low.startswith(base):
        return None
    return EU_THEMES.get(uri.rstrip("/").rsplit("/", 1)[-1].upper())


class Version(Codec):
    """dcat:version (DCAT-AP 3), also read from owl:versionInfo and adms:version (1.x/2)."""

    fields = ("version",)
    predicate = DCAT.version
    also = (OWL.versionInfo, ADMS.version)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        if rec.version:
            out.triples.append((s, self.predicate, Lit(rec.version)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for predicate in (self.predicate, *self.also):
            for node in scope.objects(s, predicate):
                if isinstance(node, Literal) and str(node).strip():
                    return {"version": str(node).strip()}
        return {}


class Statements(Codec):
    """A statement property (dct:rights, dct:accessRights, dct:provenance) kept whole: literal,
    IRI, or a node with a label, in extras under the property; `KeptValues` writes it back as
    a labelled node of the range class."""

    fields = ("extras",)

    def __init__(self, predicate: str):
        self.predicate = predicate

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        return  # published by KeptValues from the extra

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        values: list[Node] = []
        for node in scope.objects(s, self.predicate):
            if isinstance(node, BNode) or (isinstance(node, URIRef) and "#kept-" in node):
                label = _label(scope, node)
                if label is not None:
                    values.append(label)
                elif isinstance(node, BNode):
                    scope.notes.append(f"{self.predicate}: a statement without a label dropped")
                else:
                    values.append(node)
            else:
                values.append(node)
        return {"extras": {self.predicate: encode(values)}} if values else {}


class MoreStandards(Codec):
    """Every dct:conformsTo after the one in `conforms_to` (and literal ones), kept."""

    fields = ("extras",)
    predicate = DCT.conformsTo

    def __init__(self, skip_prefix: str):
        self.skip_prefix = skip_prefix

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        return  # published by KeptValues

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        nodes = scope.objects(s, self.predicate)
        iris = [n for n in nodes if isinstance(n, URIRef) and not n.startswith(self.skip_prefix)]
        first = next((n for n in iris if "#kept-" not in n), None)
        rest: list[Node] = []
        for node in nodes:
            if node == first or (isinstance(node, URIRef) and node.startswith(self.skip_prefix)):
                continue
            if isinstance(node, URIRef) and "#kept-" in node:
                label = scope.graph.value(node, URIRef(RDFS.label))
                rest.append(label if isinstance(label, Literal) else node)
            elif isinstance(node, BNode):
                label = _label(scope, node)
                if label is not None:
                    rest.append(label)
            else:
                rest.append(node)
        return {"extras": {self.predicate: encode(rest)}} if rest else {}


SPATIAL_NODE = {
    "spatial_geometry": LOCN.geometry,
    "spatial_bbox": DCAT.bbox,
    "spatial_centroid": DCAT.centroid,
}


class SpatialKept(Codec):
    """dct:spatial beyond the place name and e-Stat area code: other IRIs (GeoNames, EU
    authority places...) kept under dct:spatial; a location's locn:geometry, dcat:bbox and
    dcat:centroid kept as `spatial_geometry` / `spatial_bbox` / `spatial_centroid`."""

    fields = ("extras",)
    predicate = DCT.spatial

    def __init__(self, mapped: Any):
        self.mapped = mapped  # uri -> True when another row reads it (e-Stat SAC codes)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        extras = getattr(rec, "extras", None) or {}
        found = [(p, extras[k]) for k, p in SPATIAL_NODE.items() if extras.get(k)]
        if not found:
            return
        node = mint(s, fragment="location")
        out.triples.append((s, self.predicate, node))
        out.typed(node, DCT.Location, shared=False)
        for predicate, value in found:
            for obj in decode(value):
                out.triples.append((node, predicate, obj))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        extras: dict[str, str] = {}
        iris: list[Node] = []
        for node in scope.objects(s, self.predicate):
            own = str(node).startswith(str(s) + "#")
            if isinstance(node, URIRef) and not own and not self.mapped(str(node)):
                iris.append(node)
                continue
            for key, predicate in SPATIAL_NODE.items():
                values = [v for v in scope.objects(node, predicate) if isinstance(v, Literal)]
                if values and key not in extras:
                    extras[key] = encode(values)
        if iris:
            extras[self.predicate] = encode(iris)
        return {"extras": extras} if extras else {}


def own_category(node: Node) -> str | None:
    own = parse_own_uri(str(node)) if isinstance(node, URIRef) else None
    return own[1] if own is not None and own[0] == "category" else None
