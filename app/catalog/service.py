"""Reference data of the catalogue: categories and licences."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.visibility import public_clause
from app.catalog.schemas import CategoryOut, LicenseOut
from app.models import Category, Dataset, License, dataset_category


def list_categories(session: Session) -> list[CategoryOut]:
    counts: dict[str, int] = dict(
        session.execute(
            select(dataset_category.c.category_name, func.count())
            .join(Dataset, Dataset.id == dataset_category.c.dataset_id)
            .where(public_clause(Dataset))
            .group_by(dataset_category.c.category_name)
        ).all()
    )
    return [
        CategoryOut(
            name=c.name,
            title=c.title,
            title_en=c.title_en,
            position=c.position,
            dataset_count=counts.get(c.name, 0),
        )
        for c in session.scalars(select(Category).order_by(Category.position))
    ]


def get_category(session: Session, name: str) -> CategoryOut | None:
    """One category by name, without counting its datasets (`dataset_count` stays 0): its
    page and RDF do not show the count, and counting joins every public dataset of it."""
    c = session.scalar(select(Category).where(Category.name == name))
    if c is None:
        return None
    return CategoryOut(name=c.name, title=c.title, title_en=c.title_en, position=c.position)


def list_licenses(session: Session) -> list[LicenseOut]:
    return [
        LicenseOut(
            id=lic.id,
            title=lic.title,
            title_en=lic.title_en,
            url=lic.url,
            uri=lic.uri,
            is_open=lic.is_open,
            legacy=lic.legacy,
            od_conformance=lic.od_conformance,
        )
        for lic in session.scalars(select(License).order_by(License.position, License.id))
    ]
