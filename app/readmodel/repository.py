"""Queries on `dataset_rendering`: one upsert per write, one select per read."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    delete,
    exists,
    func,
    insert,
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


class RefRead(NamedTuple):
    """A read of one stored row by dataset id or name (`by_ref_statement`)."""

    sql: str
    row: Any  # the named tuple class of its columns


_VISIBILITY_NAMES = tuple(c.key for c in VISIBILITY)


def by_ref_statement(*columns: str, **subqueries: str) -> RefRead:
    """SELECT the visibility columns, then `columns` of `dataset_rendering`, then each
    `name=subquery` as a scalar subquery, of the dataset whose id or name is `ref` (at most
    2 rows). Plain SQL on the driver's cursor (app.common.driver_sql), built at import: as a
    prebuilt Core statement this read still spent ~100 of ~420 us of CPU per request in
    SQLAlchemy's execution layer on PostgreSQL (bench/results/api-2026-12-02-s9-*); built and
    ORM-compiled per request it cost ~250 us more (api-*-s5). Column names are ours, never
    user input."""
    names = (*_VISIBILITY_NAMES, *columns, *subqueries)
    selected = [*_VISIBILITY_NAMES, *columns, *(f"({q}) AS {n}" for n, q in subqueries.items())]
    sql = (
        f"SELECT {', '.join(selected)} FROM dataset_rendering "
        "WHERE dataset_id = ? OR name = ? LIMIT 2"
    )
    return RefRead(sql, namedtuple("StoredRow", names))


def by_ref(db: Session | Connection, ref: str, read: RefRead) -> Any | None:
    """The row of `read` (from `by_ref_statement`) for the dataset with that id or name, as a
    named tuple with SQLAlchemy's column types (bool `private`, datetime `metadata_modified`);
    None when there is no row, or when the ref is one dataset's id and another's name (the
    fresh path decides those as it always has)."""
    found = driver_sql.rows(db, read.sql, (ref, ref))
    if len(found) != 1:
        return None
    row = read.row._make(found[0])
    fixed: dict[str, Any] = {"private": bool(row.private)}
    modified = getattr(row, "metadata_modified", None)
    if isinstance(modified, str):  # SQLite stores SQLAlchemy's DateTime as ISO text
        fixed["metadata_modified"] = datetime.fromisoformat(modified)
    return row._replace(**fixed)


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
        f"SELECT {', '.join(_VISIBILITY_NAMES)}, {form} FROM dataset_rendering "
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
