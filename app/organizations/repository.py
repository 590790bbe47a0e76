"""Queries for organisations."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.accounts.visibility import public_clause
from app.models import Dataset, Organization


def by_ref(session: Session, ref: str) -> Organization | None:
    """By id, name (short name or 6-digit code) or exact title."""
    return session.scalars(
        select(Organization).where(
            or_(Organization.id == ref, Organization.name == ref, Organization.title == ref)
        )
    ).first()


def filtered(kind: str | None, prefecture: str | None, q: str | None) -> Select[Organization]:
    stmt = select(Organization).where(Organization.state == "active")
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if prefecture:
        stmt = stmt.where(
            or_(Organization.prefecture == prefecture, Organization.prefecture_code == prefecture)
        )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                Organization.title.like(like),
                Organization.name.like(like),
                Organization.kana.like(like),
                Organization.title_en.ilike(like),
            )
        )
    return stmt


def count(session: Session, stmt: Select[Organization]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def page(
    session: Session, stmt: Select[Organization], offset: int, limit: int
) -> list[Organization]:
    ordered = stmt.order_by(Organization.kind, Organization.code, Organization.name)
    return list(session.scalars(ordered.offset(offset).limit(limit)))


def public_dataset_counts(session: Session, org_ids: list[str]) -> dict[str, int]:
    if not org_ids:
        return {}
    rows = session.execute(
        select(Dataset.owner_org, func.count())
        .where(
            Dataset.owner_org.in_(org_ids),
            public_clause(Dataset),
        )
        .group_by(Dataset.owner_org)
    )
    return {org_id: n for org_id, n in rows}
