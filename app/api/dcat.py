"""Linked Data endpoints: the catalogue, datasets, distributions, organisations, measures and
categories as DCAT-AP 3 in Turtle, RDF/XML, JSON-LD and N-Triples (URL suffix or Accept),
HTML for browsers (rendered by `app.web.entities`). Every RDF response carries ETag and
Last-Modified and honours 304; HTML pages vary by the reader's language instead."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.auth import SessionDep, token_from_headers
from app.api.http_cache import conditional
from app.config import Settings
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import HTML, Format, negotiate, split_ext, supported_media_types
from app.dcat.iri import Iri
from app.dcat.namespaces import DCAT
from app.dcat.stream import render
from app.dcat_export import page as catalog_pages
from app.dcat_export import service as svc
from app.errors import AppError, NotFound
from app.readmodel import service as readmodel
from app.readmodel.context import reader_context
from app.readmodel.render import DUMP_COLUMNS, TURTLE, dcat_document
from app.web import entities as web

# HTML pages see the signed-in staff member (browser session); RDF stays token-only.
from app.web.staff.auth import PageActorDep as ActorDep

router = APIRouter(tags=["linked data"])

Text = Annotated[str | None, Query()]


class NotAcceptable(AppError):
    status_code = 406
    kind = "Not Acceptable"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def choose_format(request: Request, explicit: Format | None, *, html: bool = True) -> Format:
    if explicit is not None:
        return explicit
    chosen = negotiate(request.headers.get("accept"), html=html)
    if chosen is None:
        raise NotAcceptable(
            f"None of the media types in Accept can be served here; use one of "
            f"{supported_media_types(html=html)}"
        )
    return chosen


def respond(
    request: Request,
    fmt: Format,
    body: bytes | str,
    last_modified: datetime | None,
    *,
    location: str | None = None,
) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    path = request.url.path
    if location is None and fmt.is_rdf and split_ext(path.rsplit("/", 1)[-1])[1] is None:
        # Negotiated on an extensionless URI: name the format-specific URL of the same thing.
        query = request.url.query
        location = f"{path}.{fmt.ext}" + (f"?{query}" if query else "")
    extra = {"Content-Location": location} if location else None
    private = token_from_headers(request) is not None
    media = "text/html; charset=utf-8" if fmt is HTML else fmt.content_type
    return conditional(request, data, media, last_modified, private=private, extra=extra)


def context_for(session: Session, settings: Settings) -> Context:
    """The DCAT context, built once per generation of its sources (app.readmodel.context)."""
    return reader_context(session, settings)[0]


def _rdf(ctx: Context, fmt: Format, out: Emission) -> bytes:
    return render(fmt, ctx.plan_ns, out.take())


# ------------------------------------------------------------------------------ catalogue


def _page_links(request: Request, base: str, page: int, last: int) -> dict[str, str | None]:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def url(n: int) -> str:
        return f"{base}{request.url.path}?{urlencode([*params, ('page', str(n))])}"

    return {
        "this": url(page),
        "first": url(1),
        "last": url(last),
        "next": url(page + 1) if page < last else None,
        "prev": url(page - 1) if page > 1 else None,
    }


def _catalog(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    fmt: Format,
    query: svc.CatalogQuery,
    page_param: str | None,
    limit_param: str | None,
    measure_doc: str | None = None,
) -> Response:
    settings = settings_of(request)
    if fmt is HTML and measure_doc is not None:
        # The measure's page pages through its datasets as the search page does.
        return web.measure_page(request, session, actor, svc.measure(session, actor, measure_doc))
    page = svc.parse_page(page_param)
    per_page = svc.parse_limit(limit_param)
    ctx = context_for(session, settings)
    if fmt.ext in DUMP_COLUMNS and measure_doc is None:
        # The root catalogue in nt/ttl/jsonld: the datasets' stored forms, none mapped here.
        found = svc.catalog_ids(session, actor, query, page, per_page)
        links = _page_links(request, settings.base_uri, page, found.last_page)
        last_modified = svc.last_change(session)
        out = Emission()
        _root_page(session, ctx, out, page, [])
        _paging(out, links, found.total, per_page)
        forms = catalog_pages.stored_forms(session, ctx, fmt, found.ids)
        body = catalog_pages.catalog_page(ctx, fmt, out.take(), forms)
        return respond(request, fmt, body, last_modified)
    measure = svc.measure(session, actor, measure_doc) if measure_doc else None
    result = svc.catalog_page(session, actor, query, page, per_page)
    links = _page_links(request, settings.base_uri, page, result.last_page)
    last_modified = svc.last_change(session)
    if fmt is HTML:
        return web.catalog_page(request, result, links)
    out = Emission()
    if measure is not None:
        out.add(ctx.catalog, DCAT.catalog, documents.measure(measure, ctx, out))
    else:
        _root_page(session, ctx, out, page, [ctx.dataset(d.id) for d in result.items])
    _paging(out, links, result.total, per_page)
    for ds in result.items:
        documents.dataset(ds, ctx, out)
    return respond(request, fmt, _rdf(ctx, fmt, out), last_modified)


def _root_page(
    session: Session, ctx: Context, out: Emission, page: int, datasets: list[Iri]
) -> None:
    """The root catalogue's triples on a page; page 1 also lists its measures and categories."""
    first = page == 1
    documents.root_catalog(
        ctx, out, measures=svc.measures(session) if first else (), datasets=datasets
    )
    if first:
        documents.category_scheme(ctx, out, svc.categories(session))


def _paging(out: Emission, links: dict[str, str | None], total: int, per_page: int) -> None:
    documents.paging(
        documents.Paging(
            this=links["this"] or "",
            first=links["first"] or "",
            last=links["last"] or "",
            next=links["next"],
            previous=links["prev"],
            total=total,
            per_page=per_page,
        ),
        out,
    )


def _catalog_query(
    q: str | None,
    organization: str | None,
    measure: str | None,
    category: str | None,
    since: str | None,
) -> svc.CatalogQuery:
    return svc.CatalogQuery(
        q=q or "",
        organization=organization or None,
        measure=measure or None,
        category=category or None,
        modified_since=svc.parse_modified_since(since),
    )


@router.get("/catalog", summary="The root catalogue (HTML or RDF by Accept), paged")
def catalog(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: Text = None,
    limit: Text = None,
    modified_since: Text = None,
    q: Text = None,
    organization: Text = None,
    measure: Text = None,
    category: Text = None,
) -> Response:
    fmt = choose_format(request, None)
    query = _catalog_query(q, organization, measure, category, modified_since)
    return _catalog(request, session, actor, fmt, query, page, limit)


@router.get("/catalog.{ext}", summary="The root catalogue as ttl, rdf, jsonld or nt, paged")
def catalog_ext(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    ext: str,
    page: Text = None,
    limit: Text = None,
    modified_since: Text = None,
    q: Text = None,
    organization: Text = None,
    measure: Text = None,
    category: Text = None,
) -> Response:
    _stem, fmt = split_ext("catalog." + ext)
    if fmt is None:
        raise NotFound(f"No format {ext!r}: use ttl, rdf, jsonld or nt")
    query = _catalog_query(q, organization, measure, category, modified_since)
    return _catalog(request, session, actor, fmt, query, page, limit)


# ------------------------------------------------------------------------------ entities


@router.get("/dataset/{ref}", summary="A dataset: HTML, or DCAT-AP by suffix or Accept")
def dataset(request: Request, session: SessionDep, actor: ActorDep, ref: str) -> Response:
    stem, explicit = split_ext(ref)
    fmt = choose_format(request, explicit)
    return _dataset(request, session, actor, stem, fmt)


def _dataset(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    ref: str,
    fmt: Format,
    resource_id: str | None = None,
) -> Response:
    settings = settings_of(request)
    if resource_id is None and fmt is TURTLE:
        stored = readmodel.dcat_turtle(session, actor, ref, settings)
        if stored is not None:
            location = f"/dataset/{stored.dataset_id}.{fmt.ext}"
            return respond(request, fmt, stored.body, stored.metadata_modified, location=location)
    ctx = context_for(session, settings)
    ds = svc.dataset(session, actor, ref)
    if resource_id is not None and resource_id not in {r.id for r in ds.resources}:
        raise NotFound(f"Resource {resource_id!r} not found in dataset {ref!r}")
    if fmt is HTML:
        return web.dataset_page(request, session, actor, ds, ctx, resource_id)
    location = f"/dataset/{ds.id}.{fmt.ext}"
    body = dcat_document(ds, ctx, fmt)
    return respond(request, fmt, body, ds.metadata_modified, location=location)


@router.get(
    "/dataset/{ref}/resource/{resource_ref}",
    summary="A distribution: described in its dataset's document",
)
def distribution(
    request: Request, session: SessionDep, actor: ActorDep, ref: str, resource_ref: str
) -> Response:
    resource_id, explicit = split_ext(resource_ref)
    return _dataset(request, session, actor, ref, choose_format(request, explicit), resource_id)


@router.get("/organization/{ref}", summary="An organisation (foaf:Agent)")
def organization(request: Request, session: SessionDep, actor: ActorDep, ref: str) -> Response:
    stem, explicit = split_ext(ref)
    fmt = choose_format(request, explicit)
    org = svc.organization(session, stem)
    if fmt is HTML:
        return web.organization_page(request, session, actor, org)
    ctx = context_for(session, settings_of(request))
    last_modified = svc.last_change(session)
    out = Emission()
    documents.organization(org, ctx, out)
    return respond(request, fmt, _rdf(ctx, fmt, out), last_modified)


@router.get("/measure/{ref}", summary="A measure (施策) as a dcat:Catalog with its datasets, paged")
def measure(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    ref: str,
    page: Text = None,
    limit: Text = None,
) -> Response:
    stem, explicit = split_ext(ref)
    fmt = choose_format(request, explicit)
    query = svc.CatalogQuery(measure=stem)
    return _catalog(request, session, actor, fmt, query, page, limit, measure_doc=stem)


@router.get("/category", summary="The category scheme (skos:ConceptScheme), or its HTML list")
def category_scheme(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    fmt = choose_format(request, None)
    if fmt is HTML:
        return web.category_list(request, session, actor)
    return _scheme(request, session, fmt)


@router.get("/category.{ext}", summary="The category scheme as ttl, rdf, jsonld or nt")
def category_scheme_ext(request: Request, session: SessionDep, ext: str) -> Response:
    _stem, fmt = split_ext("category." + ext)
    if fmt is None:
        raise NotFound(f"No format {ext!r}: use ttl, rdf, jsonld or nt")
    return _scheme(request, session, fmt)


def _scheme(request: Request, session: SessionDep, fmt: Format) -> Response:
    ctx = context_for(session, settings_of(request))
    out = Emission()
    documents.category_scheme(ctx, out, svc.categories(session))
    return respond(request, fmt, _rdf(ctx, fmt, out), svc.last_change(session))


@router.get("/category/{ref}", summary="A category (skos:Concept)")
def category(request: Request, session: SessionDep, actor: ActorDep, ref: str) -> Response:
    stem, explicit = split_ext(ref)
    fmt = choose_format(request, explicit)
    cat = svc.category(session, stem)
    if fmt is HTML:
        return web.category_page(request, session, actor, cat)
    ctx = context_for(session, settings_of(request))
    last_modified = svc.last_change(session)
    out = Emission()
    documents.category_scheme(ctx, out)
    documents.category(cat, ctx, out)
    return respond(request, fmt, _rdf(ctx, fmt, out), last_modified)
