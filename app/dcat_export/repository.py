"""Queries of the Linked Data surface: catalogue pages in id order, keyset batches for the
streaming export and the sitemap, and the timestamps behind Last-Modified."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.accounts.actor import ANONYMOUS
from app.datasets.repository import FULL_LOAD, visible_clause
from app.models import Catalog, Dataset, DatasetRendering, Measure, Organization


def root_catalog(session: Session) -> Catalog | None:
    return session.get(Catalog, 1)


def ministry_titles(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(Organization.name, Organization.title).where(Organization.kind == "ministry")
    )
    return {name: title for name, title in rows}


def page_ids(session: Session, stmt: Select[Dataset], offset: int, limit: int) -> list[str]:
    """The ids on a page of a dataset query, in id order (stable while datasets are edited)."""
    ordered = stmt.with_only_columns(Dataset.id).order_by(Dataset.id).offset(offset).limit(limit)
    return list(session.scalars(ordered))


def stored_dump_forms(
    session: Session, column: str, ids: Sequence[str]
) -> list[tuple[str, bytes | None, str | None]]:
    """(dataset id, stored dump form in `column`, digest of the context it was rendered
    with) for each of `ids` that has a read-model row, in no particular order."""
    if not ids:
        return []
    stored = getattr(DatasetRendering, column)
    rows = session.execute(
        select(DatasetRendering.dataset_id, stored, DatasetRendering.dcat_context).where(
            DatasetRendering.dataset_id.in_(ids)
        )
    )
    return [(r[0], r[1], r[2]) for r in rows]


def by_ids(session: Session, ids: Sequence[str]) -> list[Dataset]:
    if not ids:
        return []
    stmt = select(Dataset).options(*FULL_LOAD).where(Dataset.id.in_(ids)).order_by(Dataset.id)
    return list(session.scalars(stmt).unique())


def public_after(session: Session, after_id: str | None, limit: int) -> list[Dataset]:
    """The next batch of public datasets after `after_id`, in id order, fully loaded."""
    stmt = select(Dataset).where(visible_clause(ANONYMOUS))
    if after_id is not None:
        stmt = stmt.where(Dataset.id > after_id)
    stmt = stmt.options(*FULL_LOAD).order_by(Dataset.id).limit(limit)
    return list(session.scalars(stmt).unique())


def public_count(session: Session) -> int:
    stmt = select(func.count()).select_from(Dataset).where(visible_clause(ANONYMOUS))
    return session.scalar(stmt) or 0


def public_names_after(
    session: Session, after_id: str | None, limit: int
) -> list[tuple[str, str, datetime]]:
    """(id, name, metadata_modified) of public datasets after `after_id` (for the sitemap)."""
    stmt = select(Dataset.id, Dataset.name, Dataset.metadata_modified).where(
        visible_clause(ANONYMOUS)
    )
    if after_id is not None:
        stmt = stmt.where(Dataset.id > after_id)
    rows = session.execute(stmt.order_by(Dataset.id).limit(limit))
    return [(dataset_id, name, when) for dataset_id, name, when in rows]


def organization_pages(session: Session) -> list[tuple[str, datetime]]:
    stmt = select(Organization.name, Organization.modified).where(Organization.state == "active")
    rows = session.execute(stmt.order_by(Organization.kind, Organization.name))
    return [(name, when) for name, when in rows]


def measure_pages(session: Session) -> list[tuple[str, datetime]]:
    rows = session.execute(select(Measure.id, Measure.modified).order_by(Measure.id))
    return [(measure_id, when) for measure_id, when in rows]


def last_change(session: Session) -> datetime | None:
    """The latest change anything in the catalogue could show: any dataset row (deleted and
    private ones too, so a withdrawal moves it), measure, organisation or the root record."""
    candidates = [
        session.scalar(select(func.max(Dataset.metadata_modified))),
        session.scalar(select(func.max(Measure.modified))),
        session.scalar(select(func.max(Organization.modified))),
        session.scalar(select(func.max(Catalog.modified))),
    ]
    found = [c for c in candidates if c is not None]
    return max(found) if found else None
