"""The HTML branch of the Linked Data URIs (`app.api.dcat` negotiates, these render):
dataset, distribution, organisation, measure, category, and the paged /catalog."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import may_edit_dataset
from app.catalog.schemas import CategoryOut
from app.datasets.schemas import DatasetOut
from app.dcat.context import Context
from app.dcat.formats import FORMATS
from app.dcat.schema_org import dataset_jsonld, script_tag
from app.dcat_export.service import CatalogPage
from app.errors import AppError, NotFound
from app.harvest import service as harvest_service
from app.harvest.schemas import SourceOut
from app.measures.schemas import MeasureOut
from app.organizations.schemas import OrganizationOut
from app.web import data, reference
from app.web.render import render
from app.web.search_state import SORTS, SearchState

FORMAT_LABELS = {"ttl": "Turtle", "rdf": "RDF/XML", "jsonld": "JSON-LD", "nt": "N-Triples"}


def alternates(path: str) -> tuple[str, list[tuple[str, str, str]]]:
    """<link rel=alternate> markup for <head>, and (label, href, media type) for the page."""
    links = [(FORMAT_LABELS[f.ext], f"{path}.{f.ext}", f.media_type) for f in FORMATS]
    head = "".join(
        f'<link rel="alternate" type="{media}" href="{Markup.escape(href)}">'
        for _label, href, media in links
    )
    return head, links


def _source(session: Session, ds: DatasetOut) -> SourceOut | None:
    if not ds.harvest_source_id:
        return None
    try:
        return harvest_service.get_source(session, ds.harvest_source_id)
    except AppError:  # a source deleted since: the page still shows the remote link
        return None


def dataset_page(
    request: Request,
    session: Session,
    actor: Actor,
    ds: DatasetOut,
    ctx: Context,
    resource_id: str | None = None,
) -> Response:
    head, rdf = alternates(f"/dataset/{ds.id}")
    head += script_tag(dataset_jsonld(ds, ctx, f"{ctx.base}/dataset/{ds.name}"))
    licenses = ctx.licenses
    context = {
        "ds": ds,
        "rdf": rdf,
        "licenses": licenses,
        "kind_title": data.KIND_TITLES.get(ds.standard_kind or "", ds.standard_kind or ""),
        "source": _source(session, ds),
        "activity": data.visible_activity(session, actor, ds),
        "uri": ctx.dataset(ds.id),
        # Edit links only for whom the service would let edit (the same rule, no query).
        "may_edit": may_edit_dataset(actor, ds.organization.id),
    }
    if resource_id is None:
        return render(
            request, "dataset.html", context, head=head, last_modified=ds.metadata_modified
        )
    resource = next(r for r in ds.resources if r.id == resource_id)
    return render(
        request,
        "resource.html",
        {**context, "res": resource},
        head=head,
        last_modified=ds.metadata_modified,
    )


def organization_page(
    request: Request, session: Session, actor: Actor, org: OrganizationOut
) -> Response:
    head, rdf = alternates(f"/organization/{org.name}")
    state = SearchState.from_request(request, fixed={"organization": org.name})
    results = data.search(session, actor, state)
    municipalities = data.municipalities_of(session, org) if org.kind == "prefecture" else []
    return render(
        request,
        "organization.html",
        {
            "org": org,
            "rdf": rdf,
            "results": results,
            "municipalities": municipalities,
            "sorts": SORTS,
        },
        head=head,
    )


def measure_page(request: Request, session: Session, actor: Actor, measure: MeasureOut) -> Response:
    head, rdf = alternates(f"/measure/{measure.id}")
    state = SearchState.from_request(request, fixed={"measure": measure.id})
    results = data.search(session, actor, state)
    return render(
        request,
        "measure.html",
        {"m": measure, "rdf": rdf, "results": results, "sorts": SORTS},
        head=head,
    )


def category_page(request: Request, session: Session, actor: Actor, cat: CategoryOut) -> Response:
    head, rdf = alternates(f"/category/{cat.name}")
    state = SearchState.from_request(request, fixed={"category": cat.name}, faceted=False)
    results = data.search(session, actor, state)
    return render(request, "category.html", {"cat": cat, "rdf": rdf, "results": results}, head=head)


def category_list(request: Request, session: Session, actor: Actor) -> Response:
    head, rdf = alternates("/category")
    counts = data.category_counts(session, actor)
    shown = [
        c.model_copy(update={"dataset_count": counts.get(c.name, 0)})
        for c in reference.categories(session)
    ]
    return render(request, "categories.html", {"categories": shown, "rdf": rdf}, head=head)


def catalog_page(request: Request, result: CatalogPage, links: dict[str, str | None]) -> Response:
    head, rdf = alternates("/catalog")
    if result.page > result.last_page:
        raise NotFound(f"Page {result.page} does not exist")
    return render(
        request, "catalog.html", {"result": result, "links": links, "rdf": rdf}, head=head
    )


def vocabulary_page(request: Request, body: str) -> Response:
    """Our plan vocabulary at its namespace URL; `body` is markup `app.dcat.vocab` built
    from our own constants (escaped there)."""
    head, rdf = alternates("/ns/plan")
    return render(request, "vocabulary.html", {"body": Markup(body), "rdf": rdf}, head=head)
