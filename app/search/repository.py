"""Search index queries shared by both backends: document rows, visibility, page, facets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.datasets import repository as dataset_repo
from app.models import Category, Dataset, License, Measure, Organization
from app.models.search import SearchDoc
from app.search.documents import SearchDocument

# Sort value types a keyset cursor carries.
SortValue = str | datetime


# --------------------------------------------------------------------------- writes


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


def insert_doc(session: Session, doc: SearchDocument) -> int:
    stmt = insert(SearchDoc).values(_columns(doc)).returning(SearchDoc.doc_id)
    return int(session.execute(stmt).scalar_one())


def update_doc(session: Session, doc_id: int, doc: SearchDocument) -> None:
    session.execute(update(SearchDoc).where(SearchDoc.doc_id == doc_id).values(_columns(doc)))


def delete_doc(session: Session, doc_id: int) -> None:
    session.execute(delete(SearchDoc).where(SearchDoc.doc_id == doc_id))


def delete_all(session: Session) -> None:
    session.execute(delete(SearchDoc))


# --------------------------------------------------------------------------- reads


def visibility(actor: Actor, *, include_private: bool, include_drafts: bool) -> ColumnElement[bool]:
    """Documents the actor may see: public active ones, plus private and draft ones of the
    organisations the actor has a role in (all of them for a sysadmin). Deleted datasets
    are never in the index."""
    conditions: list[ColumnElement[bool]] = []
    if not actor.sysadmin:
        public = and_(SearchDoc.state == "active", SearchDoc.private.is_(False))
        orgs = sorted(actor.readable_org_ids())
        conditions.append(or_(public, SearchDoc.owner_org.in_(orgs)) if orgs else public)
    if not include_private:
        conditions.append(SearchDoc.private.is_(False))
    if not include_drafts:
        conditions.append(SearchDoc.state == "active")
    return and_(true(), *conditions)


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


def load_datasets(session: Session, ids: Sequence[str]) -> list[Dataset]:
    """Datasets by id, fully loaded for DatasetOut, in the order of `ids`."""
    if not ids:
        return []
    rows = session.scalars(
        select(Dataset).options(*dataset_repo.FULL_LOAD).where(Dataset.id.in_(list(ids)))
    ).unique()
    by_id = {ds.id: ds for ds in rows}
    return [by_id[i] for i in ids if i in by_id]


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
