"""Codecs for links to things with identities of their own: themes, measures, standards, names."""

from __future__ import annotations

import re
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from app.common.validate import NAME_RE
from app.datasets.vocab import (
    RENAMED_KINDS,
    STANDARD_DATASET_SPEC,
    STANDARD_KINDS,
    standard_kind_uri,
)
from app.dcat.codec import Codec, Emission, ReadScope
from app.dcat.context import Context, parse_own_uri
from app.dcat.coverage import eu_theme
from app.dcat.iri import mint
from app.dcat.kept import encode
from app.dcat.namespaces import ADMS, DCAT, DCT, SKOS
from app.dcat.triples import Iri, Lit, iri

_KIND_FRAGMENT = re.compile(r"^(?P<number>\d\d)-(?P<id>[a-z_]+)$")


class Themes(Codec):
    """Categories as dcat:theme, SKOS concepts of our category scheme."""

    fields = ("categories",)
    predicate = DCAT.theme

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        for cat in rec.categories:
            node = ctx.category(cat.name)
            out.triples.append((s, self.predicate, node))
            describe_concept(node, cat.title, ctx.category_scheme, out)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        """Our concepts by name; EU data themes through `EU_THEMES` (the theme IRI is kept
        too, several share a category); other IRIs kept; others by their label."""
        names: list[str] = []
        kept: list[Node] = []
        for node in scope.objects(s, self.predicate):
            own = parse_own_uri(str(node)) if isinstance(node, URIRef) else None
            if own is not None and own[0] == "category":
                names.append(own[1])
                continue
            mapped = eu_theme(str(node)) if isinstance(node, URIRef) else None
            if mapped is not None:
                names.append(mapped)
                kept.append(node)
                continue
            label = scope.text(node, SKOS.prefLabel)
            if label:
                names.append(label)
            elif isinstance(node, URIRef):
                kept.append(node)
                scope.notes.append(f"dcat:theme {node} is not a known theme: kept as extra")
        found: dict[str, Any] = {"categories": sorted(set(names))} if names else {}
        if kept:
            found["extras"] = {self.predicate: encode(kept)}
        return found


def describe_concept(node: Iri, label: str, scheme: Iri, out: Emission, lang: str = "ja") -> None:
    if out.typed(node, SKOS.Concept):
        out.triples.append((node, SKOS.prefLabel, Lit(label, lang)))
        out.triples.append((node, SKOS.inScheme, scheme))


class MeasureLinks(Codec):
    """A dataset's measures: each measure (a dcat:Catalog) lists it with dcat:dataset."""

    fields = ("measures",)
    predicate = DCAT.dataset

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        for measure in rec.measures:
            out.triples.append((ctx.measure(measure.name), self.predicate, s))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        ids = []
        for node in scope.subjects(self.predicate, s):
            own = parse_own_uri(str(node)) if isinstance(node, URIRef) else None
            if own is not None and own[0] == "measure":
                ids.append(own[1])
        return {"measures": sorted(ids)} if ids else {}


class Standard(Codec):
    """dct:conformsTo a specification given by URL (a dct:Standard)."""

    fields = ("conforms_to",)
    predicate = DCT.conformsTo

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        node = iri(rec.conforms_to)
        if node is not None:
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.Standard, shared=False)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for value in scope.iris(s, self.predicate):
            if not value.startswith(STANDARD_DATASET_SPEC + "#") and "#kept-" not in value:
                return {"conforms_to": value}
        return {}


class StandardKind(Codec):
    """dct:conformsTo the 自治体標準オープンデータセット definition of the dataset's kind."""

    fields = ("standard_kind",)
    predicate = DCT.conformsTo

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        kind_id = rec.standard_kind
        if not kind_id:
            return
        node = mint(standard_kind_uri(kind_id))
        out.triples.append((s, self.predicate, node))
        if out.typed(node, DCT.Standard):
            title = next(k.title for k in STANDARD_KINDS if k.id == kind_id)
            out.triples.append((node, DCT.title, Lit(title, "ja")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for value in scope.iris(s, self.predicate):
            if value.startswith(STANDARD_DATASET_SPEC + "#"):
                match = _KIND_FRAGMENT.match(value.split("#", 1)[1])
                kind = RENAMED_KINDS.get(match["id"], match["id"]) if match else ""
                if any(k.id == kind for k in STANDARD_KINDS):
                    return {"standard_kind": kind}
        return {}


class NameIdentifier(Codec):
    """The CKAN name as a secondary identifier (adms:Identifier with skos:notation)."""

    fields = ("name",)
    predicate = ADMS.identifier

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        node = mint(s, fragment="name")
        out.triples.append((s, self.predicate, node))
        out.typed(node, ADMS.Identifier, shared=False)
        out.triples.append((node, SKOS.notation, Lit(rec.name)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        nodes = scope.objects(s, self.predicate)
        # Ours first (…#name); other identifiers only if they look like a CKAN name.
        nodes.sort(key=lambda n: not str(n).endswith("#name"))
        for node in nodes:
            notation = scope.text(node, SKOS.notation, None)
            if notation and NAME_RE.match(notation):
                return {"name": notation}
        return {}
