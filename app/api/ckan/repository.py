"""Queries the Action API needs beyond the dataset service: batched loads and name lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import distinct, or_, select
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.visibility import public_clause
from app.datasets.repository import FULL_LOAD, visible_clause
from app.models import Dataset, Organization, Tag, dataset_tag

PUBLIC = public_clause(Dataset)


def datasets_by_ids(session: Session, ids: Sequence[str]) -> list[Dataset]:
    """The datasets with these ids, fully loaded, in the order given (missing ones skipped)."""
    if not ids:
        return []
    rows = session.scalars(select(Dataset).options(*FULL_LOAD).where(Dataset.id.in_(ids)))
    by_id = {d.id: d for d in rows.unique()}
    return [by_id[i] for i in ids if i in by_id]


def public_names(session: Session, offset: int, limit: int | None) -> list[str]:
    stmt = select(Dataset.name).where(PUBLIC).order_by(Dataset.name).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def recently_modified(session: Session, actor: Actor, offset: int, limit: int) -> list[Dataset]:
    """Datasets the actor may list, newest change first (id breaks ties, so pages are stable)."""
    stmt = (
        select(Dataset)
        .options(*FULL_LOAD)
        .where(visible_clause(actor))
        .order_by(Dataset.metadata_modified.desc(), Dataset.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(stmt).unique())


def public_tag_names(
    session: Session, query: str | None, offset: int, limit: int | None
) -> list[str]:
    """Names of the tags public datasets carry (tags of private datasets are not revealed)."""
    stmt = (
        select(distinct(Tag.name))
        .join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
        .join(Dataset, Dataset.id == dataset_tag.c.dataset_id)
        .where(PUBLIC)
        .order_by(Tag.name)
        .offset(offset)
    )
    if query:
        stmt = stmt.where(Tag.name.contains(query, autoescape=True))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def organization_names_by_id(session: Session, refs: Sequence[str]) -> dict[str, str]:
    """id -> name of the organisations named by id (or by name) in `refs`."""
    if not refs:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(
            or_(Organization.id.in_(refs), Organization.name.in_(refs))
        )
    )
    return {org_id: name for org_id, name in rows}


def dataset_exists(session: Session, dataset_id: str) -> bool:
    """Whether the row is still there (in any state: only a purge removes it)."""
    return session.scalar(select(Dataset.id).where(Dataset.id == dataset_id)) is not None
