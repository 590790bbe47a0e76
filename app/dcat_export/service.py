"""The Linked Data service: records for the RDF documents (the DB-free `app.dcat` maps them),
catalogue pages, and the constant-memory iteration behind the full export."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.accounts.actor import Actor
from app.catalog import service as catalog_service
from app.catalog.schemas import CategoryOut
from app.common.bounds import MAX_INTEGER
from app.config import Settings
from app.datasets import repository as dataset_repo
from app.datasets import service as dataset_service
from app.datasets.convert import dataset_out
from app.datasets.schemas import DatasetOut, OrganizationRef
from app.db import session_scope
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context, RootCatalog
from app.dcat.namespaces import DCAT
from app.dcat.triples import Triple
from app.dcat_export import repository as repo
from app.errors import AppError, NotFound
from app.measures import service as measure_service
from app.measures.schemas import MeasureOut
from app.organizations import repository as org_repo
from app.organizations import service as org_service
from app.organizations.schemas import OrganizationOut
from app.search.params import FieldFilter, RangeFilter, SearchParams
from app.search.service import search_datasets
from app.timeutil import parse_when

PER_PAGE = 100
MAX_PER_PAGE = 1000
EXPORT_BATCH = 500


class BadParameter(AppError):
    status_code = 400
    kind = "Bad Request"


def parse_page(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_INTEGER:
        raise BadParameter(
            f"page must be a whole number from 1 to {MAX_INTEGER}, not {raw!r}",
            {"page": ["Invalid"]},
        )
    return int(raw)


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return PER_PAGE
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise BadParameter(
            f"limit must be a whole number from 1 to {MAX_PER_PAGE}, not {raw!r}",
            {"limit": ["Invalid"]},
        )
    return int(raw)


def parse_modified_since(raw: str | None) -> datetime | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return parse_when(raw)
    except ValueError as exc:
        raise BadParameter(
            f"modified_since must be an ISO 8601 date or date-time "
            f"(e.g. 2024-05-01 or 2024-05-01T00:00:00Z), not {raw!r}",
            {"modified_since": ["Invalid"]},
        ) from exc


def build_context(session: Session, settings: Settings) -> Context:
    row = repo.root_catalog(session)
    title = row.title if row is not None else settings.site_title
    publisher_name = row.publisher_name if row is not None else settings.publisher_name
    org = org_repo.by_ref(session, publisher_name) if publisher_name else None
    publisher = (
        OrganizationRef(id=org.id, name=org.name, title=org.title, kind=org.kind, code=org.code)
        if org is not None
        else None
    )
    root = RootCatalog(
        title=title,
        title_en=row.title_en if row is not None else settings.site_title_en,
        description=row.description if row is not None else "",
        publisher_name=publisher_name,
        publisher=publisher,
        # "" (the seeded value) is the site's own root under the configured base URI.
        homepage=(row.homepage if row is not None else "") or settings.base_uri + "/",
        language=row.language if row is not None else "ja",
    )
    licenses = {lic.id: lic for lic in catalog_service.list_licenses(session)}
    return Context(
        base=settings.base_uri, licenses=licenses, root=root, agents=repo.ministry_titles(session)
    )


@dataclass(frozen=True)
class CatalogQuery:
    q: str = ""
    organization: str | None = None
    measure: str | None = None
    category: str | None = None
    modified_since: datetime | None = None


@dataclass(frozen=True)
class CatalogPaging:
    """Where a catalogue page sits: `total` datasets listed, `per_page` to a page."""

    total: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class CatalogIds(CatalogPaging):
    """The ids of one catalogue page, in id order."""

    ids: list[str]


@dataclass(frozen=True)
class CatalogPage(CatalogPaging):
    items: list[DatasetOut]


def _check_filters(session: Session, query: CatalogQuery) -> str | None:
    """The organisation id of the filter; unknown filter values are a 404 with a message."""
    org_id = None
    if query.organization:
        org = org_repo.by_ref(session, query.organization)
        if org is None:
            raise NotFound(f"Organization {query.organization!r} not found")
        org_id = org.id
    if query.measure and not measure_service.exists(session, query.measure):
        raise NotFound(f"Measure {query.measure!r} not found")
    if query.category and query.category not in {c.name for c in categories(session)}:
        raise NotFound(f"Category {query.category!r} not found")
    return org_id


def catalog_ids(
    session: Session, actor: Actor, query: CatalogQuery, page: int, per_page: int = PER_PAGE
) -> CatalogIds:
    """The ids on one page of the catalogue in id order, filtered, as `actor` may see them;
    `q` goes through the search engine. A page past the last is a 404 that says how many
    there are."""
    org_id = _check_filters(session, query)
    offset = (page - 1) * per_page
    if query.q.strip():
        filters = [
            FieldFilter(name, (value,))
            for name, value in (
                ("organization", query.organization),
                ("measure", query.measure),
                ("category", query.category),
            )
            if value
        ]
        ranges = (
            [RangeFilter("metadata_modified", start=query.modified_since)]
            if query.modified_since is not None
            else []
        )
        params = SearchParams(
            q=query.q, filters=filters, ranges=ranges, sort="id asc", start=offset, rows=per_page
        )
        found = search_datasets(session, actor, params)
        ids, total = list(found.ids), found.count
    else:
        stmt = dataset_repo.list_query(
            actor,
            organization_id=org_id,
            category=query.category,
            measure=query.measure,
            modified_since=query.modified_since,
        )
        total = dataset_repo.count(session, stmt)
        ids = repo.page_ids(session, stmt, offset, per_page)
    result = CatalogIds(total, page, per_page, ids=ids)
    if page > result.last_page:
        raise NotFound(
            f"Page {page} does not exist: this catalogue has {result.last_page} page(s) "
            f"of {per_page} datasets"
        )
    return result


def catalog_page(
    session: Session, actor: Actor, query: CatalogQuery, page: int, per_page: int = PER_PAGE
) -> CatalogPage:
    """One page of the catalogue in id order, filtered, with its records (see catalog_ids)."""
    found = catalog_ids(session, actor, query, page, per_page)
    rows = repo.by_ids(session, found.ids)
    return CatalogPage(found.total, page, per_page, items=[dataset_out(d) for d in rows])


def dataset(session: Session, actor: Actor, ref: str) -> DatasetOut:
    """A dataset the actor may read; deleted ones are gone from Linked Data for everyone."""
    out = dataset_service.get_dataset(session, actor, ref)
    if out.state == "deleted":
        raise NotFound(f"Dataset {ref!r} not found")
    return out


def measures(session: Session) -> list[MeasureOut]:
    # No dataset counts: no DCAT document carries them.
    return list(measure_service.list_measures(session, counts=False).items)


def measure(session: Session, actor: Actor, measure_id: str) -> MeasureOut:
    # The same record as get_measure's without its dataset list (nobody here shows it).
    return measure_service.measure_out(session, measure_id)


def organization(session: Session, ref: str) -> OrganizationOut:
    # Neither its page nor its RDF shows a count (the page's comes from its search).
    return org_service.get_organization(session, ref, count=False)


def categories(session: Session) -> list[CategoryOut]:
    return catalog_service.list_categories(session)


def category(session: Session, name: str) -> CategoryOut:
    """The category (no dataset count: one row, not a count over every public dataset)."""
    cat = catalog_service.get_category(session, name)
    if cat is not None:
        return cat
    raise NotFound(f"Category {name!r} not found")


def last_change(session: Session) -> datetime | None:
    return repo.last_change(session)


def public_count(session: Session) -> int:
    return repo.public_count(session)


def iter_public_datasets(
    sessions: sessionmaker[Session], batch: int = EXPORT_BATCH
) -> Iterator[DatasetOut]:
    """Every public dataset in id order, `batch` at a time, each batch in a short transaction
    of its own: memory stays flat at any size, and writers are never held up for long (SQLite
    serialises transactions)."""
    after: str | None = None
    while True:
        with session_scope(sessions) as session:
            rows = repo.public_after(session, after, batch)
            outs = [dataset_out(d) for d in rows]
        if not outs:
            return
        after = outs[-1].id
        yield from outs


def export_chunks(
    sessions: sessionmaker[Session], ctx: Context, *, batch: int = EXPORT_BATCH
) -> Iterator[list[Triple]]:
    """The whole public catalogue as chunks of triples: the root catalogue, its measures and
    categories first, then one chunk per dataset. Shared nodes are described once."""
    out = Emission()
    with session_scope(sessions) as session:
        documents.root_catalog(ctx, out, measures=measures(session))
        documents.category_scheme(ctx, out, categories(session))
    yield out.take()
    root = ctx.catalog
    for ds in iter_public_datasets(sessions, batch):
        node = documents.dataset(ds, ctx, out)
        out.add(root, DCAT.dataset, node)
        yield out.take()


# The web's list pages (app.web.routes), listed first in the sitemap.
LIST_PAGES = ("/", "/dataset", "/organization", "/measure", "/category", "/api")


def sitemap_pages(session: Session) -> Iterator[tuple[str, datetime | None]]:
    """Every public page (path, last change): the list pages, the catalogue, categories,
    organisations, measures, datasets."""
    for path in LIST_PAGES:
        yield path, None
    yield "/catalog", None
    for cat in categories(session):
        yield f"/category/{cat.name}", None
    for name, when in repo.organization_pages(session):
        yield f"/organization/{name}", when
    for measure_id, when in repo.measure_pages(session):
        yield f"/measure/{measure_id}", when
    after: str | None = None
    while True:
        rows = repo.public_names_after(session, after, EXPORT_BATCH * 4)
        if not rows:
            return
        after = rows[-1][0]
        for _id, name, when in rows:
            yield f"/dataset/{name}", when


def sitemap_size(session: Session) -> int:
    return (
        len(LIST_PAGES)
        + 1
        + len(categories(session))
        + len(repo.organization_pages(session))
        + len(repo.measure_pages(session))
        + (repo.public_count(session))
    )
