"""All harvest queries: sources, jobs, per-record results, the identity map."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from app.models import (
    Category,
    Dataset,
    HarvestJob,
    HarvestObject,
    HarvestRecord,
    HarvestSource,
    License,
    Measure,
    Organization,
)
from app.timeutil import utcnow

ACTIVE_STATUSES = ("queued", "running")


# Sources


def source_by_ref(session: Session, ref: str, *, for_update: bool = False) -> HarvestSource | None:
    stmt = select(HarvestSource).where(or_(HarvestSource.id == ref, HarvestSource.name == ref))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def sources(session: Session) -> Sequence[HarvestSource]:
    return session.scalars(select(HarvestSource).order_by(HarvestSource.name)).all()


def org_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


def due_sources(session: Session, now: datetime) -> Sequence[HarvestSource]:
    """Active sources whose next run is due, locked (skipping rows another worker holds)."""
    return session.scalars(
        select(HarvestSource)
        .where(HarvestSource.active.is_(True), HarvestSource.next_run_at <= now)
        .order_by(HarvestSource.next_run_at)
        .with_for_update(skip_locked=True)
    ).all()


# Jobs


def job(session: Session, job_id: str) -> HarvestJob | None:
    return session.get(HarvestJob, job_id)


def active_job(session: Session, source_id: str) -> HarvestJob | None:
    return session.scalars(
        select(HarvestJob).where(
            HarvestJob.source_id == source_id, HarvestJob.status.in_(ACTIVE_STATUSES)
        )
    ).first()


def last_jobs(session: Session, source_ids: Sequence[str]) -> dict[str, HarvestJob]:
    if not source_ids:
        return {}
    newest = (
        select(HarvestJob.source_id, func.max(HarvestJob.created).label("created"))
        .where(HarvestJob.source_id.in_(source_ids))
        .group_by(HarvestJob.source_id)
        .subquery()
    )
    rows = session.scalars(
        select(HarvestJob).join(
            newest,
            (HarvestJob.source_id == newest.c.source_id) & (HarvestJob.created == newest.c.created),
        )
    )
    return {j.source_id: j for j in rows}


def jobs(session: Session, source_id: str | None, limit: int) -> Sequence[HarvestJob]:
    stmt = select(HarvestJob).order_by(HarvestJob.created.desc()).limit(limit)
    if source_id is not None:
        stmt = stmt.where(HarvestJob.source_id == source_id)
    return session.scalars(stmt).all()


def last_finished(session: Session, source_id: str, *, full: bool = False) -> HarvestJob | None:
    stmt = select(HarvestJob).where(
        HarvestJob.source_id == source_id, HarvestJob.status == "finished"
    )
    if full:
        stmt = stmt.where(HarvestJob.mode.in_(("full", "feed")))
    return session.scalars(stmt.order_by(HarvestJob.created.desc()).limit(1)).first()


def next_queued(session: Session) -> HarvestJob | None:
    """The oldest queued job, locked; SKIP LOCKED makes racing workers take different ones."""
    return session.scalars(
        select(HarvestJob)
        .where(HarvestJob.status == "queued")
        .order_by(HarvestJob.created)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def running_jobs(session: Session) -> Sequence[HarvestJob]:
    return session.scalars(
        select(HarvestJob).where(HarvestJob.status == "running").with_for_update(skip_locked=True)
    ).all()


# Per-record results


def add_objects(session: Session, job_id: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(HarvestObject), [{"job_id": job_id, **row} for row in rows])


def objects(
    session: Session, job_id: str, status: str | None, limit: int, offset: int
) -> tuple[int, Sequence[HarvestObject]]:
    stmt = select(HarvestObject).where(HarvestObject.job_id == job_id)
    if status is not None:
        stmt = stmt.where(HarvestObject.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(HarvestObject.id).offset(offset).limit(limit)).all()
    return total, rows


def dataset_visibility(
    session: Session, dataset_ids: list[str]
) -> dict[str, tuple[str, bool, str]]:
    """(owner_org, private, state) of each existing dataset, for the visibility rule."""
    if not dataset_ids:
        return {}
    rows = session.execute(
        select(Dataset.id, Dataset.owner_org, Dataset.private, Dataset.state).where(
            Dataset.id.in_(dataset_ids)
        )
    )
    return {r.id: (r.owner_org, r.private, r.state) for r in rows}


# Identity map


def add_records(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        now = utcnow()
        session.execute(
            insert(HarvestRecord),
            [{"first_seen": now, "last_changed": now, "status": "active", **r} for r in rows],
        )


def records_by_key(session: Session, source_id: str, keys: list[str]) -> dict[str, HarvestRecord]:
    if not keys:
        return {}
    rows = session.scalars(
        select(HarvestRecord).where(
            HarvestRecord.source_id == source_id, HarvestRecord.remote_key.in_(keys)
        )
    )
    return {r.remote_key: r for r in rows}


def active_keys(session: Session, source_id: str, batch: int = 5000) -> Iterator[str]:
    """Keys of the source's live records, streamed in key order (never all rows at once)."""
    last = ""
    while True:
        keys = session.scalars(
            select(HarvestRecord.remote_key)
            .where(
                HarvestRecord.source_id == source_id,
                HarvestRecord.status == "active",
                HarvestRecord.dataset_id.is_not(None),
                HarvestRecord.remote_key > last,
            )
            .order_by(HarvestRecord.remote_key)
            .limit(batch)
        ).all()
        yield from keys
        if len(keys) < batch:
            return
        last = keys[-1]


def count_active(session: Session, source_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(HarvestRecord)
            .where(
                HarvestRecord.source_id == source_id,
                HarvestRecord.status == "active",
                HarvestRecord.dataset_id.is_not(None),
            )
        )
        or 0
    )


def duplicate_of(
    session: Session, source_id: str, uri: str | None, identifier: str | None
) -> HarvestRecord | None:
    """A live record from another source carrying the same URI or identifier."""
    conditions = []
    for value in {v for v in (uri, identifier) if v}:
        conditions += [HarvestRecord.remote_uri == value, HarvestRecord.identifier == value]
    if not conditions:
        return None
    return session.scalars(
        select(HarvestRecord)
        .where(
            HarvestRecord.source_id != source_id,
            HarvestRecord.status == "active",
            HarvestRecord.dataset_id.is_not(None),
            or_(*conditions),
        )
        .limit(1)
    ).first()


def source_name(session: Session, source_id: str) -> str:
    return session.scalar(select(HarvestSource.name).where(HarvestSource.id == source_id)) or "?"


# Datasets, as the importer needs them (states, names, locks)


def dataset_states(session: Session, ids: Sequence[str]) -> dict[str, tuple[str, str, list[str]]]:
    """id -> (state, name, local_fields) for the given datasets."""
    if not ids:
        return {}
    rows = session.execute(
        select(Dataset.id, Dataset.state, Dataset.name, Dataset.local_fields).where(
            Dataset.id.in_(ids)
        )
    )
    return {row.id: (row.state, row.name, list(row.local_fields or [])) for row in rows}


def lock_datasets(session: Session, ids: Sequence[str]) -> None:
    """Lock rows in id order before any history write takes the feed-order lock, so the
    harvester acquires locks in the same order as a web request (rows, then feed)."""
    if ids:
        session.execute(
            select(Dataset.id)
            .where(Dataset.id.in_(sorted(ids)))
            .order_by(Dataset.id)
            .with_for_update()
        ).all()


def dataset_names(session: Session, ids: Sequence[str]) -> dict[str, str | None]:
    """id -> name for the datasets that exist among `ids`; the name is None unless the dataset
    is public and active (job reports are public: they must not name a private or draft one)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Dataset.id, Dataset.name, Dataset.private, Dataset.state).where(
            Dataset.id.in_(ids)
        )
    )
    return {
        row.id: row.name if not row.private and row.state == "active" else None for row in rows
    }


def names_taken(session: Session, names: Sequence[str]) -> set[str]:
    if not names:
        return set()
    return set(session.scalars(select(Dataset.name).where(Dataset.name.in_(names))))


def organization_ids(session: Session, refs: Iterable[str]) -> dict[str, str]:
    """name or id -> name, for organisations that exist."""
    wanted = {r for r in refs if r}
    if not wanted:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(
            or_(Organization.name.in_(wanted), Organization.id.in_(wanted))
        )
    )
    out: dict[str, str] = {}
    for row in rows:
        out[row.name] = row.name
        out[row.id] = row.name
    return out


def vocabulary(session: Session) -> tuple[dict[str, str], set[str], set[str]]:
    """(license id lowercased -> id, category names and titles, measure ids)."""
    licenses = {lid.lower(): lid for lid in session.scalars(select(License.id))}
    categories: set[str] = set()
    for name, title in session.execute(select(Category.name, Category.title)):
        categories.update((name, title))
    measures = set(session.scalars(select(Measure.id)))
    return licenses, categories, measures


def license_uris(session: Session) -> dict[str, str]:
    """Licence URI and URL -> licence id (how RDF names a licence)."""
    index: dict[str, str] = {}
    for lid, url, uri in session.execute(select(License.id, License.url, License.uri)):
        for key in (url, uri):
            if key:
                index[key] = lid
    return index
