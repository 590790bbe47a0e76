"""Recording dataset history: a snapshot after each change and the fields that changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, aliased

from app.accounts.actor import Actor
from app.datasets.schemas import DatasetOut
from app.models import DatasetActivity
from app.readmodel import service as readmodel
from app.search import service as search_index
from app.timeutil import utcnow

# The change feed (app/changes) serves activities in id order. On PostgreSQL ids come from a
# sequence at insert time, so a slow transaction could commit id 10 after id 11 is visible and a
# feed reader would skip it: a transaction-level advisory lock, held to commit, makes activity
# ids follow commit order. SQLite serialises writers anyway (BEGIN IMMEDIATE).
FEED_LOCK_KEY = 0x6A6F6463  # arbitrary, unique to the activity table

# Bookkeeping fields that change on every write and say nothing about the content.
_IGNORED = {"metadata_modified", "revision"}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        if key in _IGNORED:
            continue
        if before.get(key) != after.get(key):
            changes[key] = {"old": before.get(key), "new": after.get(key)}
    return changes


def lock_feed_order(session: Session) -> None:
    """Take the feed-order lock (PostgreSQL) until this transaction ends; re-entrant."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})


def _activity_row(
    actor: Actor,
    activity_type: str,
    before: DatasetOut | None,
    after: DatasetOut,
    message: str,
) -> dict[str, Any]:
    before_json = before.model_dump(mode="json") if before is not None else None
    after_json = after.model_dump(mode="json")
    return {
        "dataset_id": after.id,
        "dataset_name": after.name,
        "organization_id": after.organization.id,
        "user_id": actor.user_id,
        "timestamp": utcnow(),
        "activity_type": activity_type,
        "public": activity_type not in ("deleted", "purged")
        and after.state == "active"
        and not after.private,
        "changes": diff(before_json, after_json),
        "snapshot": None if activity_type == "purged" else after_json,
        "message": message,
    }


@dataclass
class _Pending:
    """What `record` queued inside `batched`: written in bulk when the batch ends."""

    activities: list[dict[str, Any]] = field(default_factory=list)
    indexed: dict[str, DatasetOut] = field(default_factory=dict)  # dataset id -> last record
    renderings: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> stored row


_BATCH_KEY = "history.batch"


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Within this block, `record` queues its history row, search-index update and read-model
    rendering (rendered at once, from the flushed dataset) instead of writing them; on a clean
    exit they are written in bulk: activities in the order recorded (one executemany, so the
    feed order is the recording order), the index with one generation for all, the read model
    in one insert and one update. On an exception nothing queued is written (the caller rolls
    back its transaction or savepoint). Nested use joins the outer batch.

    Only for writers that record each dataset once per batch and read none of these rows back
    before the end (the harvest page import): anything else records immediately.
    """
    if session.info.get(_BATCH_KEY) is not None:
        yield
        return
    pending = _Pending()
    session.info[_BATCH_KEY] = pending
    try:
        yield
    finally:
        session.info.pop(_BATCH_KEY, None)
    _write_pending(session, pending)


def _write_pending(session: Session, pending: _Pending) -> None:
    if not pending.activities:
        return
    session.flush()
    lock_feed_order(session)
    session.execute(insert(DatasetActivity), pending.activities)
    search_index.index_datasets(session, list(pending.indexed.values()))
    readmodel.store_rows(session, pending.renderings)


def record(
    session: Session,
    actor: Actor,
    activity_type: str,
    before: DatasetOut | None,
    after: DatasetOut,
    message: str = "",
) -> None:
    """Record a dataset write: its history row (the change feed's entry), the search index and
    the read model, in the writer's transaction (queued while `batched`)."""
    row = _activity_row(actor, activity_type, before, after, message)
    pending: _Pending | None = session.info.get(_BATCH_KEY)
    if pending is not None and activity_type == "purged":
        # A purge deletes rows the queue may still write: write the queue first.
        _write_pending(session, pending)
        pending.activities.clear()
        pending.indexed.clear()
        pending.renderings.clear()
    elif pending is not None:
        # Render now, from the flushed dataset as it is at this point of the write.
        rendering = readmodel.rendering_current(session, after.id)
        pending.activities.append(row)
        pending.indexed[after.id] = after
        if rendering is None:
            pending.renderings.pop(after.id, None)
            readmodel.remove(session, after.id)
        else:
            pending.renderings[after.id] = rendering
        return
    lock_feed_order(session)
    session.add(DatasetActivity(**row))
    # The search index follows every write in the same transaction (deleted/purged leave it).
    if activity_type in ("deleted", "purged"):
        search_index.remove_dataset(session, after.id)
    else:
        search_index.index_dataset(session, after)
    # So does the read model (a soft-deleted dataset keeps its renderings: editors read it).
    if activity_type == "purged":
        readmodel.remove(session, after.id)
    else:
        readmodel.store_current(session, after.id)


def previous(column: Any) -> Any:
    """Scalar subquery: `column` of the same dataset's activity just before this one
    (NULL for the first). Labelled rows of `DatasetActivity` must be the outer query."""
    prev = aliased(DatasetActivity)
    act = DatasetActivity
    return (
        select(getattr(prev, column.key))
        .where(prev.dataset_id == act.dataset_id, prev.id < act.id)
        .order_by(prev.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def for_dataset(
    session: Session, dataset_id: str, limit: int, offset: int, *, public_only: bool
) -> list[tuple[DatasetActivity, bool | None]]:
    """Newest first: (activity, whether the dataset was public after the previous one).

    `public_only` keeps the activities recorded while the dataset was public (in SQL, so
    pages stay full)."""
    stmt = select(DatasetActivity, previous(DatasetActivity.public).label("was_public")).where(
        DatasetActivity.dataset_id == dataset_id
    )
    if public_only:
        stmt = stmt.where(DatasetActivity.public.is_(True))
    rows = session.execute(
        stmt.order_by(DatasetActivity.id.desc()).offset(offset).limit(limit)
    ).all()
    return [(activity, was_public) for activity, was_public in rows]
