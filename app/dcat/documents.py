"""Whole entities and documents as triples: dataset, organisation, measure, category, the root
catalogue and its hydra paging. Every writer (rdflib graph, direct text) renders these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.catalog.schemas import CategoryOut
from app.datasets.schemas import DatasetOut
from app.dcat.codec import Emission, emit_all, emitters
from app.dcat.context import Context
from app.dcat.iri import mint
from app.dcat.namespaces import DCAT, DCT, FOAF, HYDRA, RDF, SKOS, XSD
from app.dcat.nodes import root_publisher
from app.dcat.terms import (
    AGENT_TERMS,
    CATEGORY_TERMS,
    DATASET_TERMS,
    ORGANIZATION_TERMS,
    language,
    measure_terms,
)
from app.dcat.triples import Iri, Lit, iri
from app.measures.schemas import MeasureOut
from app.organizations.schemas import OrganizationOut

SCHEME_TITLE = "データカテゴリ"
_ROOT_LANGUAGE = language("language")
_DATASET = Iri(DCAT.Dataset)
_DATASET_EMITTERS = emitters(DATASET_TERMS)


def dataset(ds: DatasetOut, ctx: Context, out: Emission) -> Iri:
    s = ctx.dataset(ds.id)
    out.triples.append((s, RDF.type, _DATASET))
    for emit in _DATASET_EMITTERS:
        emit(ds, s, ctx, out)
    out.dataset = None
    return s


def organization(org: OrganizationOut, ctx: Context, out: Emission) -> Iri:
    s = ctx.organization(org.name)
    out.first(("agent", s))
    out.triples.append((s, RDF.type, Iri(FOAF.Agent)))
    emit_all(ORGANIZATION_TERMS, org, s, ctx, out)
    return s


def measure(m: MeasureOut, ctx: Context, out: Emission) -> Iri:
    s = ctx.measure(m.id)
    out.triples.append((s, RDF.type, Iri(DCAT.Catalog)))
    emit_all(measure_terms(ctx.plan_ns), m, s, ctx, out)
    return s


def category(cat: CategoryOut, ctx: Context, out: Emission) -> Iri:
    s = ctx.category(cat.name)
    out.first((SKOS.Concept, s))
    out.triples.append((s, RDF.type, Iri(SKOS.Concept)))
    emit_all(CATEGORY_TERMS, cat, s, ctx, out)
    out.triples.append((s, SKOS.inScheme, ctx.category_scheme))
    out.triples.append((s, SKOS.topConceptOf, ctx.category_scheme))
    out.triples.append((s, SKOS.notation, Lit(cat.name)))
    return s


def category_scheme(ctx: Context, out: Emission, categories: Sequence[CategoryOut] = ()) -> Iri:
    """The e-Gov categories as a skos:ConceptScheme (the root catalogue's dcat:themeTaxonomy)."""
    s = ctx.category_scheme
    if out.first((SKOS.ConceptScheme, s)):
        out.triples.append((s, RDF.type, Iri(SKOS.ConceptScheme)))
        out.triples.append((s, DCT.title, Lit(SCHEME_TITLE, "ja")))
    for cat in categories:
        out.triples.append((s, SKOS.hasTopConcept, category(cat, ctx, out)))
    return s


def root_catalog(
    ctx: Context,
    out: Emission,
    *,
    measures: Iterable[MeasureOut] = (),
    datasets: Iterable[Iri] = (),
) -> Iri:
    """The root dcat:Catalog; `measures` are its sub-catalogues, `datasets` the ones listed."""
    s = ctx.catalog
    root = ctx.root
    t = out.triples
    t.append((s, RDF.type, Iri(DCAT.Catalog)))
    t.append((s, DCT.title, Lit(root.title, "ja")))
    if root.title_en:
        t.append((s, DCT.title, Lit(root.title_en, "en")))
    t.append((s, DCT.description, Lit(root.description or root.title, "ja")))
    t.append((s, DCT.publisher, root_publisher(ctx, out, AGENT_TERMS)))
    homepage = iri(root.homepage) or mint(ctx.base + "/")
    t.append((s, FOAF.homepage, homepage))
    out.typed(homepage, FOAF.Document)
    _ROOT_LANGUAGE.emit(root, s, ctx, out)
    t.append((s, DCAT.themeTaxonomy, category_scheme(ctx, out)))
    for m in measures:
        t.append((s, DCAT.catalog, measure(m, ctx, out)))
    for node in datasets:
        t.append((s, DCAT.dataset, node))
    return s


@dataclass(frozen=True)
class Paging:
    """hydra:PagedCollection of a catalogue page; the URIs are those of the request."""

    this: str
    first: str
    last: str
    next: str | None
    previous: str | None
    total: int
    per_page: int


def paging(page: Paging, out: Emission) -> None:
    s = iri(page.this)
    if s is None:
        return
    t = out.triples
    t.append((s, RDF.type, Iri(HYDRA.PagedCollection)))
    t.append((s, HYDRA.totalItems, Lit(str(page.total), "", XSD.integer)))
    t.append((s, HYDRA.itemsPerPage, Lit(str(page.per_page), "", XSD.integer)))
    for predicate, target in (
        (HYDRA.firstPage, page.first),
        (HYDRA.lastPage, page.last),
        (HYDRA.nextPage, page.next),
        (HYDRA.previousPage, page.previous),
    ):
        node = iri(target)
        if node is not None:
            t.append((s, predicate, node))
