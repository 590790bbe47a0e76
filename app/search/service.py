"""Dataset search: the one entry point every surface calls, and index maintenance.

`search_datasets` implements the contract of `app.search.params` on either database: from
the in-memory index when it can serve the search (`app.search.memory`), else from the
database's full-text index;
`index_dataset` / `remove_dataset` keep the index in step with every dataset write (called
from `app.datasets.history.record`, in the writer's transaction); `reindex` rebuilds it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.datasets import repository as dataset_repo
from app.datasets.convert import dataset_out
from app.datasets.schemas import DatasetOut
from app.models import Dataset
from app.models.dataset import dataset_category, dataset_measure
from app.search import memory, titles
from app.search import repository as repo
from app.search.backend import SearchBackend, TextMatch
from app.search.compile import (
    Compiled,
    compile_params,
    facet_columns,
    order_for,
    rank_facets,
    relevance_tiers,
)
from app.search.cursor import decode_cursor, encode_cursor
from app.search.documents import document, visibility_groups
from app.search.params import SearchParams, SearchResult
from app.search.postgres import PostgresBackend
from app.search.sqlite_fts import SqliteFts5Backend

_BACKENDS: dict[str, SearchBackend] = {
    "sqlite": SqliteFts5Backend(),
    "postgresql": PostgresBackend(),
}

ReindexProgress = Callable[[int, int], None]


def is_broad(total: int, need: int) -> bool:
    """Walking the sort index beats reading every match: many match (each index step then
    finds one soon), and enough that reading them all costs more (below ~2,000 it is cheap)."""
    return total >= max(2000, 100 * need)


def backend_for(session: Session) -> SearchBackend:
    dialect = session.get_bind().dialect.name
    try:
        return _BACKENDS[dialect]
    except KeyError:
        raise RuntimeError(f"no search backend for the {dialect} database") from None


# --------------------------------------------------------------------------- index upkeep


def index_dataset(session: Session, out: DatasetOut) -> None:
    """Bring the index in step with `out` (a deleted dataset leaves the index)."""
    if out.state == "deleted":
        remove_dataset(session, out.id)
        return
    backend = backend_for(session)
    doc = document(out)
    generation = repo.next_generation(session)
    doc_id = repo.find_doc(session, out.id)
    if doc_id is None:
        doc_id = repo.insert_doc(session, doc, generation)
    else:
        backend.unstore(session, doc_id)
        repo.update_doc(session, doc_id, doc, generation)
    backend.store(session, [(doc_id, doc.texts())])


def index_datasets(session: Session, outs: list[DatasetOut]) -> None:
    """`index_dataset` for many datasets (one record each) with ONE index generation for all
    (taken here, so none becomes visible before this transaction commits), one query for
    their documents and bulk inserts/updates of the document rows."""
    if not outs:
        return
    backend = backend_for(session)
    generation = repo.next_generation(session)
    docs = repo.find_docs(session, [o.id for o in outs])
    live = [document(o) for o in outs if o.state != "deleted"]
    for out in outs:
        doc_id = docs.get(out.id)
        if doc_id is not None:
            backend.unstore(session, doc_id)
            if out.state == "deleted":
                repo.delete_doc(session, doc_id, generation)
    changed = [(docs[d.dataset_id], d) for d in live if d.dataset_id in docs]
    repo.update_docs(session, changed, generation)
    new = [d for d in live if d.dataset_id not in docs]
    docs.update(repo.insert_docs(session, new, generation))
    backend.store(session, [(docs[doc.dataset_id], doc.texts()) for doc in live])


def remove_dataset(session: Session, dataset_id: str) -> None:
    doc_id = repo.find_doc(session, dataset_id)
    if doc_id is not None:
        backend_for(session).unstore(session, doc_id)
        repo.delete_doc(session, doc_id, repo.next_generation(session))


def datasets_showing(
    session: Session, *, organizations: set[str], categories: set[str], measures: set[str]
) -> list[str]:
    """Ids of the live datasets owned by those organisations (ids) or in those categories
    (names) or measures (ids): their search documents hold those rows' text."""
    live = Dataset.state != "deleted"
    queries = [
        select(Dataset.id).where(live, Dataset.owner_org.in_(sorted(organizations))),
        select(dataset_category.c.dataset_id).where(
            dataset_category.c.category_name.in_(sorted(categories))
        ),
        select(dataset_measure.c.dataset_id).where(
            dataset_measure.c.measure_id.in_(sorted(measures))
        ),
    ]
    found = {str(i) for query in queries for i in session.scalars(query)}
    alive = session.scalars(select(Dataset.id).where(live, Dataset.id.in_(sorted(found))))
    return sorted(alive)


def _index_batch(session: Session, ids: list[str]) -> None:
    rows = session.scalars(
        select(Dataset).options(*dataset_repo.FULL_LOAD).where(Dataset.id.in_(ids))
    ).unique()
    for ds in rows:
        index_dataset(session, dataset_out(ds))
    session.flush()


def reindex_datasets(session: Session, ids: list[str], batch: int = 500) -> int:
    """Re-index these datasets (after a change to text they show); returns how many."""
    for start in range(0, len(ids), batch):
        _index_batch(session, ids[start : start + batch])
    return len(ids)


def reindex(session: Session, progress: ReindexProgress | None = None, batch: int = 500) -> int:
    """Rebuild the whole index from the datasets table; returns the number indexed."""
    backend = backend_for(session)
    backend.clear(session)
    repo.delete_all(session)
    live = Dataset.state != "deleted"
    total = session.scalar(select(func.count()).select_from(Dataset).where(live)) or 0
    done = 0
    last_id = ""
    while True:
        # Keyset over ids: each batch is a fresh query, so memory stays flat.
        ids = list(
            session.scalars(
                select(Dataset.id)
                .where(live, Dataset.id > last_id)
                .order_by(Dataset.id)
                .limit(batch)
            )
        )
        if not ids:
            break
        _index_batch(session, ids)
        session.expunge_all()
        done += len(ids)
        last_id = ids[-1]
        if progress is not None:
            progress(done, total)
    return done


# --------------------------------------------------------------------------- search


def search_datasets(session: Session, actor: Actor, params: SearchParams) -> SearchResult:
    """Datasets matching `params` that `actor` may see: count, a page of ids, facets.

    Raises `app.errors.SearchQueryError` (400) for anything the user can fix.
    """
    compiled = compile_params(params)
    served = memory.search(session, actor, params, compiled)
    if served is not None:
        return served
    backend = backend_for(session)
    with backend.tuned(session):
        return _search(session, backend, actor, params, compiled)


def _search(
    session: Session,
    backend: SearchBackend,
    actor: Actor,
    params: SearchParams,
    compiled: Compiled,
) -> SearchResult:
    options = {"include_private": params.include_private, "include_drafts": params.include_drafts}
    base = [repo.visibility(actor, **options), *compiled.conditions]
    where = list(base)
    if not compiled.match.empty:
        where.append(backend.matches(compiled.match))
    # The same search as index tokens only: visibility too (see documents.visibility_groups).
    groups = visibility_groups(actor.sysadmin, actor.readable_org_ids(), **options)
    indexed = compiled.match.requiring(groups)
    # Column conditions (ranges, id, name) are not in the index: then rows must be read.
    countable = None if compiled.conditions or not indexed.has_positive else indexed
    total, facets = _count_and_facets(session, backend, where, countable, compiled)
    ids, next_cursor = _page(session, backend, base, compiled, params, total)
    return SearchResult(count=total, ids=ids, facets=facets, next_cursor=next_cursor)


def _count_and_facets(
    session: Session,
    backend: SearchBackend,
    where: list[ColumnElement[bool]],
    indexed: TextMatch | None,
    compiled: Compiled,
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    wanted = compiled.facet_fields
    if not wanted:
        if indexed is not None:
            return backend.count(session, indexed), {}
        return repo.count(session, where), {}
    single, multi = facet_columns(compiled)
    total, counts = backend.count_and_facets(session, where, single, multi)
    return total, rank_facets(counts, compiled)


def _page(
    session: Session,
    backend: SearchBackend,
    base: list[ColumnElement[bool]],
    compiled: Compiled,
    params: SearchParams,
    total: int,
) -> tuple[list[str], str | None]:
    """A page of ids and the cursor of the next one; `base` = the conditions but the text."""
    order = order_for(compiled)
    tiered = compiled.sort == "relevance" and bool(compiled.match.query.positive)
    offset = params.start
    conditions = list(base)
    if params.cursor:  # checked even when there is nothing to page through
        columns = None if tiered else [k.column or "" for k in order]
        position = decode_cursor(params.cursor, params.sort, columns)
        if isinstance(position, int):
            offset = position
        else:
            conditions.append(repo.after_key(order, position))
            offset = 0
    rows_wanted = params.rows
    if rows_wanted == 0 or total == 0:
        return [], None
    need = offset + rows_wanted + 1
    # Many matches: let the database walk the sort index and stop after a page, instead of
    # ranking every match (a hint for SQLite; PostgreSQL's planner decides by itself).
    broad = is_broad(total, need)
    if not compiled.match.empty:
        conditions.append(backend.matches(compiled.match, broad=broad))
    tiers = relevance_tiers(compiled, backend)
    if tiers is None:
        rows = repo.page(session, conditions, order, offset=offset, limit=rows_wanted + 1)
    else:
        # Tier by tier, newest first within each, until the page and one more row are found.
        found: list[tuple[object, ...]] = []
        for tier in tiers:
            limit = need - len(found)
            found += repo.page(session, [*conditions, tier], order, offset=0, limit=limit)
            if len(found) >= need:
                break
        rows = found[offset:need]
    more = len(rows) > rows_wanted
    rows = rows[:rows_wanted]
    ids = [str(row[0]) for row in rows]
    if not more or not rows:
        return ids, None
    if tiered:
        return ids, encode_cursor(params.sort, offset=offset + len(rows))
    return ids, encode_cursor(params.sort, values=list(rows[-1][1:]))


# --------------------------------------------------------------------------- rendering help


def datasets_for(session: Session, ids: list[str]) -> list[DatasetOut]:
    """The DatasetOut records of a result page, in result order."""
    return [dataset_out(ds) for ds in repo.load_datasets(session, ids)]


def facet_titles(
    session: Session, facets: dict[str, list[tuple[str, int]]]
) -> dict[str, dict[str, str]]:
    """Display titles for facet values that have one (organisation, category, measure,
    licence, standard-dataset kind); values without a title are left out. Cached per serving
    generation (app.search.titles)."""
    return titles.facet_titles(session, facets)
