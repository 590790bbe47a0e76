"""Queries on `dataset_rendering`: one upsert per write, one select per read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.common import driver_sql
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


def upsert_many(session: Session, rows: dict[str, dict[str, Any]]) -> None:
    """Rows by dataset id: ORM bulk INSERT of the missing ones, bulk UPDATE by key of the rest
    (the session must hold no `DatasetRendering` object for them: the batch writer's case)."""
    ids = list(rows)
    present = set(session.scalars(select(R.dataset_id).where(R.dataset_id.in_(ids))))
    new = [{"dataset_id": i, **rows[i]} for i in ids if i not in present]
    old = [{"dataset_id": i, **rows[i]} for i in ids if i in present]
    if new:
        session.execute(insert(R), new)
    if old:
        session.execute(update(R), old)


def delete_one(session: Session, dataset_id: str) -> None:
    session.execute(delete(R).where(R.dataset_id == dataset_id))


def delete_all(session: Session) -> None:
    session.execute(delete(R))


def dataset_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Dataset)) or 0


def delete_orphans(session: Session) -> None:
    """Rows whose dataset is gone (purged while no writer removed its row)."""
    session.execute(delete(R).where(~exists().where(Dataset.id == R.dataset_id)))


def by_ref_statement(*columns: ColumnElement[Any]) -> Select[Any]:
    """SELECT the visibility columns then `columns` of the dataset whose id or name is the bound
    parameter `ref` (at most 2 rows). Build it once, at import: building and ORM-compiling this
    per request cost ~250 us of the ~60 us the query itself takes (bench/results/api-*-s5.txt).
    Core table columns, so the ORM's per-execution compile state is skipped too."""
    table = R.__table__
    ref = bindparam("ref", type_=String())
    return (
        select(*(table.c[c.key] for c in VISIBILITY), *columns)
        .where(or_(table.c.dataset_id == ref, table.c.name == ref))
        .limit(2)
    )


def by_ref(session: Session | Connection, ref: str, statement: Select[Any]) -> Row[Any] | None:
    """The row of `statement` (from `by_ref_statement`) for the dataset with that id or name;
    None when there is no row, or when the ref is one dataset's id and another's name (the
    fresh path decides those as it always has)."""
    rows = session.execute(statement, {"ref": ref}).all()
    return rows[0] if len(rows) == 1 else None


class PageRow(NamedTuple):
    dataset_id: str
    owner_org: str
    private: bool
    state: str
    body: bytes


# The stored forms a search page reads (column names, so never user input in the SQL).
PAGE_FORMS = ("package_json", "v1_json")


def by_ids(session: Session, ids: Sequence[str], form: str = "package_json") -> dict[str, PageRow]:
    """Visibility columns and one stored form (`PAGE_FORMS`) of these datasets, by id.

    Every search page reads this, so on the driver's cursor (app.common.driver_sql): the ORM
    round trip cost more than the search itself."""
    if form not in PAGE_FORMS:
        raise ValueError(f"not a page form: {form!r}")
    if not ids:
        return {}
    ids = list(dict.fromkeys(ids))
    found = driver_sql.rows(
        session,
        f"SELECT dataset_id, owner_org, private, state, {form} FROM dataset_rendering "
        f"WHERE dataset_id IN ({driver_sql.placeholders(len(ids))})",
        ids,
    )
    return {row[0]: PageRow(row[0], row[1], bool(row[2]), row[3], bytes(row[4])) for row in found}


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
