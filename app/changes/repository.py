"""Feed queries over dataset_activity (the history every dataset write records)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.datasets.history import previous
from app.models import DatasetActivity


def rows_after(session: Session, after_id: int, limit: int) -> Sequence[Row[Any]]:
    """Activities with id > after_id in id (= commit) order, with the previous activity's
    `public` flag and dataset name (a tombstone names the dataset as it was while public)."""
    act = DatasetActivity
    stmt = (
        select(
            act.id,
            act.dataset_id,
            act.dataset_name,
            act.timestamp,
            act.activity_type,
            act.public,
            act.snapshot,
            previous(act.public).label("was_public"),
            previous(act.dataset_name).label("was_name"),
        )
        .where(act.id > after_id)
        .order_by(act.id)
        .limit(limit)
    )
    return session.execute(stmt).all()


def timestamp_at_or_before(session: Session, activity_id: int) -> datetime | None:
    """When the newest activity up to `activity_id` happened (Last-Modified of an empty page)."""
    last = session.scalar(
        select(func.max(DatasetActivity.id)).where(DatasetActivity.id <= activity_id)
    )
    if last is None:
        return None
    return session.scalar(select(DatasetActivity.timestamp).where(DatasetActivity.id == last))
