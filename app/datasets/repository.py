"""All dataset queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload

from app.accounts.actor import Actor
from app.accounts.visibility import listed_clause
from app.common.validate import canonical_uuid
from app.models import (
    Dataset,
    Measure,
    Resource,
    Tag,
    dataset_category,
    dataset_measure,
    dataset_tag,
)
from app.models.base import new_uuid

# Everything a DatasetOut needs, loaded explicitly (relationships are lazy="raise").
FULL_LOAD = (
    joinedload(Dataset.organization),
    joinedload(Dataset.license),
    selectinload(Dataset.tags),
    selectinload(Dataset.categories),
    selectinload(Dataset.measures),
    selectinload(Dataset.resources),
)


def _ref_clauses(ref: str) -> list[ColumnElement[bool]]:
    """Which row `ref` names, in the order to try: an id when it parses as a UUID (names are
    never UUID-shaped), else a name. The second try only finds rows written before these
    rules (a UUID-shaped name, a non-UUID id): no new id equals a name, nor a name an id."""
    as_id = canonical_uuid(ref)
    if as_id is not None:
        return [Dataset.id == as_id, Dataset.name == ref]
    return [Dataset.name == ref, Dataset.id == ref]


def get(session: Session, ref: str, *, for_update: bool = False) -> Dataset | None:
    """By id or name. `for_update` locks the row (PostgreSQL) so concurrent writers queue."""
    for clause in _ref_clauses(ref):
        if for_update:
            # Lock the bare row first: FOR UPDATE cannot apply to the outer joins of FULL_LOAD.
            row_id = session.scalar(select(Dataset.id).where(clause).with_for_update())
            if row_id is None:
                continue
            clause = Dataset.id == row_id
        stmt = (
            select(Dataset)
            .options(*FULL_LOAD)
            .where(clause)
            .execution_options(populate_existing=True)
        )
        found = session.scalars(stmt).unique().first()
        if found is not None:
            return found
    return None


def name_taken(session: Session, name: str, except_id: str | None = None) -> bool:
    """Whether a dataset has this name, or (legacy rows) this id: lookups could not tell."""
    stmt = select(Dataset.id).where(or_(Dataset.name == name, Dataset.id == name))
    if except_id is not None:
        stmt = stmt.where(Dataset.id != except_id)
    return session.scalar(stmt) is not None


# Built once (statement construction costs more than these indexed lookups; harvests run them
# for every record): the lists are expanding bind parameters.
_REFS: BindParameter[list[str]] = bindparam("refs", expanding=True)
_TAKEN_AMONG = select(Dataset.id, Dataset.name).where(
    or_(Dataset.id.in_(_REFS), Dataset.name.in_(_REFS))
)
_RESOURCE_IDS_AMONG = select(Resource.id).where(Resource.id.in_(_REFS))
_TAGS_BY_NAME = select(Tag).where(Tag.name.in_(_REFS))


def taken_among(session: Session, refs: set[str]) -> set[str]:
    """Those of `refs` that some dataset has as its id or its name (one query for a create's
    chosen id and name: `x in taken_among(...)` is `name_taken(x)`)."""
    if not refs:
        return set()
    rows = session.execute(_TAKEN_AMONG, {"refs": sorted(refs)})
    return {value for row in rows for value in row if value in refs}


def resource_ids_among(session: Session, ids: set[str]) -> set[str]:
    """Those of `ids` that some resource has (stored rows: pending objects are not seen)."""
    if not ids:
        return set()
    return set(session.scalars(_RESOURCE_IDS_AMONG, {"refs": sorted(ids)}))


def names_with_prefix(session: Session, prefix: str) -> Sequence[str]:
    # Escaped: `_` in e-Gov prefixes is LIKE's one-character wildcard (012033-20261202-0500
    # would count as 012033_20261202_0500).
    stmt = select(Dataset.name).where(Dataset.name.startswith(prefix, autoescape=True))
    return session.scalars(stmt).all()


# Digits a generated name's serial may have: more are someone's own name, not a serial (84
# nines would make the next generated name longer than the 100 characters a name may have).
SERIAL_DIGITS = 8


def next_serial(session: Session, prefix: str) -> int:
    """The number after the highest serial among the names `{prefix}{digits}`: for e-Gov
    style generated names `{org}_{YYYYMMDD}_{NNNN}` (1 when there is none). Should that need
    more than SERIAL_DIGITS digits (someone named a dataset `{prefix}99999999`), the lowest
    free one instead, so a free serial that fits is always found."""
    numbers = {
        int(suffix)
        for suffix in (name[len(prefix) :] for name in names_with_prefix(session, prefix))
        if suffix.isascii() and suffix.isdigit() and len(suffix) <= SERIAL_DIGITS
    }
    after = max(numbers, default=0) + 1
    if after < 10**SERIAL_DIGITS:
        return after
    return next(n for n in range(1, len(numbers) + 2) if n not in numbers)


def tags_by_name(session: Session, names: list[str]) -> dict[str, Tag]:
    if not names:
        return {}
    return {t.name: t for t in session.scalars(_TAGS_BY_NAME, {"refs": names})}


def tags_made(session: Session, names: list[str]) -> dict[str, Tag]:
    """The tags named `names`, those not yet in the catalogue inserted first.

    Tags are rows shared by every dataset. Two transactions bringing the same new tag would both
    insert it and the later one would violate `uq_tag_name` (on PostgreSQL after waiting for the
    earlier one to commit). `INSERT ... ON CONFLICT (name) DO NOTHING` makes the later insert a
    no-op instead, and the select that follows sees the committed row. Names go in sorted, so
    two single-dataset writes inserting overlapping sets take the row locks in the same order.
    A transaction that writes several datasets (a bulk upload's save, a harvest page) can still
    deadlock with another writer over a new tag through the change feed's order lock
    (`history.lock_feed_order`), as it could before: PostgreSQL then aborts one of them, whole
    (SQLSTATE 40P01, a 503 "busy" for a request), and nothing is half-saved.
    """
    found = tags_by_name(session, names)
    missing = sorted(set(names) - found.keys())
    if not missing:
        return found
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"id": new_uuid(), "name": name} for name in missing]
    session.execute(insert(Tag).values(rows).on_conflict_do_nothing(index_elements=["name"]))
    return found | tags_by_name(session, missing)


def measures(session: Session, ids: set[str]) -> dict[str, Measure]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(Measure).where(Measure.id.in_(ids)))}


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: datasets the actor may see in lists (app.accounts.visibility)."""
    return listed_clause(actor, Dataset)


def list_query(
    actor: Actor,
    *,
    organization_id: str | None = None,
    q: str | None = None,
    category: str | None = None,
    measure: str | None = None,
    tag: str | None = None,
    modified_since: datetime | None = None,
) -> Select[Dataset]:
    stmt = select(Dataset).where(visible_clause(actor))
    if organization_id is not None:
        stmt = stmt.where(Dataset.owner_org == organization_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Dataset.title.like(like), Dataset.notes.like(like)))
    if category:
        stmt = stmt.where(
            Dataset.id.in_(
                select(dataset_category.c.dataset_id).where(
                    dataset_category.c.category_name == category
                )
            )
        )
    if measure:
        stmt = stmt.where(
            Dataset.id.in_(
                select(dataset_measure.c.dataset_id).where(dataset_measure.c.measure_id == measure)
            )
        )
    if tag:
        stmt = stmt.where(
            Dataset.id.in_(
                select(dataset_tag.c.dataset_id)
                .join(Tag, Tag.id == dataset_tag.c.tag_id)
                .where(Tag.name == tag)
            )
        )
    if modified_since is not None:
        stmt = stmt.where(Dataset.metadata_modified >= modified_since)
    return stmt


def count(session: Session, stmt: Select[Dataset]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def page(
    session: Session,
    stmt: Select[Dataset],
    *,
    offset: int,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[Dataset]:
    """Newest first, by (metadata_modified, id); `after` is a keyset cursor position."""
    if after is not None:
        when, last_id = after
        stmt = stmt.where(
            or_(
                Dataset.metadata_modified < when,
                and_(Dataset.metadata_modified == when, Dataset.id < last_id),
            )
        )
        offset = 0
    stmt = stmt.options(*FULL_LOAD).order_by(Dataset.metadata_modified.desc(), Dataset.id.desc())
    return list(session.scalars(stmt.offset(offset).limit(limit)).unique())


def nothing() -> object:
    return false()
