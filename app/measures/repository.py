"""Queries for measures."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.visibility import is_public, public_clause
from app.models import (
    Dataset,
    Measure,
    MeasureMinistry,
    Organization,
    dataset_measure,
)

_LOAD = (
    selectinload(Measure.section),
    selectinload(Measure.ministries),
    selectinload(Measure.priority_fields),
)


def filtered(session: Session, section: int | None, ministry: str | None) -> Sequence[Measure]:
    stmt = select(Measure).options(*_LOAD).order_by(Measure.id)
    if section is not None:
        stmt = stmt.where(Measure.section_number == section)
    if ministry:
        org_ids = select(Organization.id).where(
            or_(Organization.name == ministry, Organization.title == ministry)
        )
        stmt = stmt.where(
            Measure.id.in_(
                select(MeasureMinistry.measure_id).where(
                    or_(
                        MeasureMinistry.name == ministry,
                        MeasureMinistry.organization_id.in_(org_ids),
                    )
                )
            )
        )
    return session.scalars(stmt).all()


def get(session: Session, measure_id: str) -> Measure | None:
    return session.scalars(select(Measure).options(*_LOAD).where(Measure.id == measure_id)).first()


def exists(session: Session, measure_id: str) -> bool:
    return session.scalar(select(Measure.id).where(Measure.id == measure_id)) is not None


def organization_names(session: Session, org_ids: set[str]) -> dict[str, str]:
    if not org_ids:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
    )
    return {org_id: name for org_id, name in rows}


def public_dataset_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(dataset_measure.c.measure_id, func.count())
        .join(Dataset, Dataset.id == dataset_measure.c.dataset_id)
        .where(public_clause(Dataset))
        .group_by(dataset_measure.c.measure_id)
    )
    return {measure_id: n for measure_id, n in rows}


def public_dataset_count(session: Session, measure_id: str) -> int:
    """Public datasets of one measure (through ix_dataset_measure_measure_id)."""
    # Two steps: in one statement SQLite walks every public dataset by the state index
    # (18-24 ms at 26,000) instead of starting from the measure's few rows.
    linked = list(
        session.scalars(
            select(dataset_measure.c.dataset_id).where(dataset_measure.c.measure_id == measure_id)
        )
    )
    if not linked:
        return 0
    rows = session.execute(select(Dataset.private, Dataset.state).where(Dataset.id.in_(linked)))
    return sum(1 for private, state in rows if is_public(private, state))


def linked_datasets(session: Session, measure_id: str) -> Sequence[Dataset]:
    return session.scalars(
        select(Dataset)
        .options(selectinload(Dataset.organization))
        .join(dataset_measure, dataset_measure.c.dataset_id == Dataset.id)
        .where(dataset_measure.c.measure_id == measure_id, Dataset.state == "active")
        .order_by(Dataset.metadata_modified.desc())
    ).all()
