"""Queries on `dataset_rendering`: one upsert per write, one select per read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import Dataset, dataset_category, dataset_measure
from app.models import DatasetRendering as R

VISIBILITY = (R.dataset_id, R.owner_org, R.private, R.state)


def upsert(session: Session, dataset_id: str, values: dict[str, Any]) -> None:
    row = session.get(R, dataset_id)
    if row is None:
        session.add(R(dataset_id=dataset_id, **values))
        return
    for key, value in values.items():
        setattr(row, key, value)


def delete_one(session: Session, dataset_id: str) -> None:
    session.execute(delete(R).where(R.dataset_id == dataset_id))


def delete_all(session: Session) -> None:
    session.execute(delete(R))


def dataset_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Dataset)) or 0


def delete_orphans(session: Session) -> None:
    """Rows whose dataset is gone (purged while no writer removed its row)."""
    session.execute(delete(R).where(~exists().where(Dataset.id == R.dataset_id)))


def by_ref(
    session: Session, ref: str, columns: Sequence[InstrumentedAttribute[Any]]
) -> Row[Any] | None:
    """The visibility columns then `columns` of the dataset with that id or name; None when
    there is no row, or when the ref is one dataset's id and another's name (the fresh path
    decides those as it always has)."""
    rows = session.execute(
        select(*VISIBILITY, *columns).where(or_(R.dataset_id == ref, R.name == ref)).limit(2)
    ).all()
    return rows[0] if len(rows) == 1 else None


def by_ids(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    """Visibility columns and the package dict of these datasets, by id."""
    if not ids:
        return {}
    rows = session.execute(select(*VISIBILITY, R.package_json).where(R.dataset_id.in_(ids)))
    found: dict[str, Any] = {}
    for row in rows:
        found[row.dataset_id] = row
    return found


def datasets_showing(session: Session, renamed: dict[str, set[str]]) -> list[str]:
    """Ids of the datasets, in any state, that show one of these rows: `renamed` maps
    "organization" and "measure" to ids, "category" to names, "license" to licence ids."""
    queries = [
        select(Dataset.id).where(Dataset.owner_org.in_(sorted(renamed.get("organization", ())))),
        select(Dataset.id).where(Dataset.license_id.in_(sorted(renamed.get("license", ())))),
        select(dataset_category.c.dataset_id).where(
            dataset_category.c.category_name.in_(sorted(renamed.get("category", ())))
        ),
        select(dataset_measure.c.dataset_id).where(
            dataset_measure.c.measure_id.in_(sorted(renamed.get("measure", ())))
        ),
    ]
    return sorted({str(i) for query in queries for i in session.scalars(query)})
