"""Search index queries shared by both backends: document rows, visibility, page, facets."""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from app.accounts.actor import Actor
from app.accounts.visibility import listed_clause
from app.common import driver_sql
from app.models import Category, Dataset, License, Measure, Organization
from app.models.search import SearchDoc, SearchGone, SearchSource, SearchState
from app.models.serving import CONTEXT_GENERATION_SQL
from app.search.documents import IndexTexts, SearchDocument

# Sort value types a keyset cursor carries.
SortValue = str | datetime


# --------------------------------------------------------------------------- writes


# session.info key: this transaction wrote to the index (see memory.registry).
INDEX_WRITTEN = "search_index_written"


def next_generation(session: Session, *, new_epoch: bool = False) -> int:
    """Take the next index generation for this transaction's writes (every index write
    does), and mark the session as having written to the index.

    The UPDATE locks the one state row until commit, so generations commit in order: a
    reader that sees generation G has seen every write up to G. `new_epoch` marks a
    rebuild (memory indexes reload instead of catching up). A missing row (a test or a
    bulk tool emptied the table) starts a new epoch.
    """
    session.info[INDEX_WRITTEN] = True
    values: dict[str, Any] = {"generation": SearchState.generation + 1}
    if new_epoch:
        values["epoch"] = secrets.randbits(62)
    stmt = (
        update(SearchState)
        .where(SearchState.id == 1)
        .values(values)
        .returning(SearchState.generation)
    )
    generation = session.execute(stmt).scalar_one_or_none()
    if generation is not None:
        return int(generation)
    session.execute(insert(SearchState).values(id=1, epoch=secrets.randbits(62), generation=1))
    return 1


def state(session: Session) -> tuple[int, int] | None:
    """(epoch, generation) of the index, None if there is no state row.

    Read on every search (the memory index's freshness check), so on the driver's cursor:
    ~15 us instead of ~250 us through the ORM (app.common.driver_sql)."""
    found = driver_sql.rows(session, "SELECT epoch, generation FROM search_state")
    return None if not found else (int(found[0][0]), int(found[0][1]))


def find_doc(session: Session, dataset_id: str) -> int | None:
    return session.scalar(select(SearchDoc.doc_id).where(SearchDoc.dataset_id == dataset_id))


def _columns(doc: SearchDocument) -> dict[str, object]:
    return {
        "dataset_id": doc.dataset_id,
        "name": doc.name,
        "title_key": doc.title_key,
        "title_exact": doc.title_exact,
        "state": doc.state,
        "private": doc.private,
        "owner_org": doc.owner_org,
        "organization": doc.single("organization") or "",
        "prefecture": doc.single("prefecture"),
        "license_id": doc.single("license_id"),
        "standard_kind": doc.single("standard_kind"),
        "metadata_modified": doc.metadata_modified,
        "metadata_created": doc.metadata_created,
        "facets": doc.packed_facets(),
    }


def insert_doc(session: Session, doc: SearchDocument, generation: int) -> int:
    values = {**_columns(doc), "generation": generation}
    stmt = insert(SearchDoc).values(values).returning(SearchDoc.doc_id)
    return int(session.execute(stmt).scalar_one())


def update_doc(session: Session, doc_id: int, doc: SearchDocument, generation: int) -> None:
    values = {**_columns(doc), "generation": generation}
    session.execute(update(SearchDoc).where(SearchDoc.doc_id == doc_id).values(values))


def find_docs(session: Session, dataset_ids: Sequence[str]) -> dict[str, int]:
    """dataset id -> doc id of those that have a document."""
    if not dataset_ids:
        return {}
    stmt = select(SearchDoc.dataset_id, SearchDoc.doc_id).where(
        SearchDoc.dataset_id.in_(list(dataset_ids))
    )
    return {str(dataset_id): int(doc_id) for dataset_id, doc_id in session.execute(stmt)}


def insert_docs(
    session: Session, docs: Sequence[SearchDocument], generation: int
) -> dict[str, int]:
    """Insert these documents (one executemany); returns dataset id -> new doc id."""
    if not docs:
        return {}
    session.execute(insert(SearchDoc), [{**_columns(d), "generation": generation} for d in docs])
    return find_docs(session, [d.dataset_id for d in docs])


def update_docs(
    session: Session, docs: Sequence[tuple[int, SearchDocument]], generation: int
) -> None:
    """Rewrite these (doc id, document) rows (one bulk UPDATE by primary key)."""
    if docs:
        rows = [{**_columns(d), "doc_id": i, "generation": generation} for i, d in docs]
        session.execute(update(SearchDoc), rows)


def delete_doc(session: Session, doc_id: int, generation: int) -> None:
    session.execute(delete(SearchDoc).where(SearchDoc.doc_id == doc_id))
    session.execute(insert(SearchGone).values(generation=generation, doc_id=doc_id))


# Between the three token columns of search_source (tokens are [0-9a-z ]: never NUL).
_COLUMN_SEP = "\x00"


def pack_texts(texts: IndexTexts) -> bytes:
    return zlib.compress(_COLUMN_SEP.join((texts.title, texts.body, texts.keys)).encode(), 6)


def unpack_texts(packed: bytes) -> IndexTexts:
    title, body, keys = zlib.decompress(packed).decode().split(_COLUMN_SEP)
    return IndexTexts(title=title, body=body, keys=keys)


def store_sources(session: Session, items: Sequence[tuple[int, IndexTexts]]) -> None:
    """The packed index texts of documents, (doc_id, texts) each, in one executemany (Core:
    the ORM's bulk-insert path costs more than the rows)."""
    if items:
        session.execute(
            insert(cast(Table, SearchSource.__table__)),
            [{"doc_id": doc_id, "tokens": pack_texts(texts)} for doc_id, texts in items],
        )


def load_source(session: Session, doc_id: int) -> IndexTexts | None:
    stored = session.scalar(select(SearchSource.tokens).where(SearchSource.doc_id == doc_id))
    return None if stored is None else unpack_texts(stored)


def delete_source(session: Session, doc_id: int | None = None) -> None:
    stmt = delete(SearchSource)
    if doc_id is not None:
        stmt = stmt.where(SearchSource.doc_id == doc_id)
    session.execute(stmt)


def delete_all(session: Session) -> None:
    """Empty the index tables (the full-text part is the backend's `clear`): a new epoch,
    so memory indexes reload instead of catching up."""
    session.execute(delete(SearchDoc))
    session.execute(delete(SearchGone))
    next_generation(session, new_epoch=True)


# --------------------------------------------------------------------------- reads


def visibility(actor: Actor, *, include_private: bool, include_drafts: bool) -> ColumnElement[bool]:
    """Documents the actor may see (app.accounts.visibility; deleted ones are never indexed)."""
    return listed_clause(
        actor, SearchDoc, include_private=include_private, include_drafts=include_drafts
    )


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY term; `column` is set when the value can go into a keyset cursor."""

    expression: ColumnElement[Any]
    descending: bool
    column: str | None = None


def page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[OrderKey],
    *,
    offset: int,
    limit: int,
) -> list[tuple[object, ...]]:
    """Rows of (dataset_id, *keyset columns), in order."""
    keyset_columns = [getattr(SearchDoc, k.column) for k in order if k.column]
    stmt: Select[tuple[object, ...]] = select(SearchDoc.dataset_id, *keyset_columns).where(*where)
    stmt = stmt.order_by(*(k.expression.desc() if k.descending else k.expression for k in order))
    return [tuple(row) for row in session.execute(stmt.offset(offset).limit(limit))]


def after_key(order: Sequence[OrderKey], values: Sequence[SortValue]) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after `values` in `order` (all keys are columns, all
    in one direction: a row-value comparison, which both databases serve from the index)."""
    columns = [getattr(SearchDoc, key.column or "") for key in order]
    if len({key.descending for key in order}) != 1:
        raise ValueError("keyset paging needs all sort keys in one direction")
    if order[0].descending:
        return tuple_(*columns) < tuple_(*values)
    return tuple_(*columns) > tuple_(*values)


def count(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
    return int(session.scalar(select(func.count()).select_from(SearchDoc).where(*where)) or 0)


# --------------------------------------------------------------------------- rendering help


# A result row names its measures (id, title): their summaries (JSON, ~1.7 kB each) stay
# unread, a third of a 20-row page's load time at 10,000 datasets.
# (app.datasets.repository.FULL_LOAD otherwise.)
_RESULT_LOAD = (
    joinedload(Dataset.organization),
    joinedload(Dataset.license),
    selectinload(Dataset.tags),
    selectinload(Dataset.categories),
    selectinload(Dataset.measures).load_only(Measure.id, Measure.title),
    selectinload(Dataset.resources),
)


def load_datasets(session: Session, ids: Sequence[str]) -> list[Dataset]:
    """Datasets by id, fully loaded for DatasetOut, in the order of `ids`."""
    if not ids:
        return []
    rows = session.scalars(
        select(Dataset).options(*_RESULT_LOAD).where(Dataset.id.in_(list(ids)))
    ).unique()
    by_id = {ds.id: ds for ds in rows}
    return [by_id[i] for i in ids if i in by_id]


def serving_generation(session: Session) -> int | None:
    """`serving_state.context_generation` (raised by every write to the rows facet titles
    come from, app.models.serving); None without the row. One driver-level read per search."""
    found = driver_sql.rows(session, CONTEXT_GENERATION_SQL)
    return None if not found else int(found[0][0])


def all_titles(session: Session) -> dict[str, dict[str, str]]:
    """Every facet value's display title: organisation names, category names, measure ids and
    licence ids -> title, under the facet field that shows them."""
    statements: dict[str, Select[str, str]] = {
        "organization": select(Organization.name, Organization.title),
        "category": select(Category.name, Category.title),
        "measure": select(Measure.id, Measure.title),
        "license_id": select(License.id, License.title),
    }
    return {
        name: {key: title for key, title in session.execute(stmt)}
        for name, stmt in statements.items()
    }


def titles(session: Session, field_name: str, values: Sequence[str]) -> dict[str, str]:
    """Display titles of facet values (organisations, categories, measures, licences)."""
    if not values:
        return {}
    statements: list[Select[str, str]] = []
    if field_name == "organization":
        statements.append(
            select(Organization.name, Organization.title).where(Organization.name.in_(values))
        )
    if field_name in ("category", "groups"):
        statements.append(select(Category.name, Category.title).where(Category.name.in_(values)))
    if field_name in ("measure", "groups"):
        statements.append(select(Measure.id, Measure.title).where(Measure.id.in_(values)))
    if field_name == "license_id":
        statements.append(select(License.id, License.title).where(License.id.in_(values)))
    return {key: title for stmt in statements for key, title in session.execute(stmt)}
