"""The change feed: creates, updates and removals of public datasets, in commit order.

Each entry is one row of dataset_activity (ids follow commit order: see
`app.datasets.history.lock_feed_order`). An activity that left the dataset public is an
upsert carrying the dataset record as of that change; an activity that made a previously
public dataset invisible (deleted, purged, made private or draft) is a tombstone. Changes to
datasets that were never public are skipped, so the feed reveals nothing private. The cursor
is the last activity id read: it survives restarts and is valid on any web process.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from app.accounts.visibility import feed_view
from app.changes import repository as repo
from app.common.bounds import MAX_INT64
from app.errors import Invalid
from app.timeutil import Timestamp

MAX_LIMIT = 1000
# Bound the rows scanned per request when most activities concern private datasets.
SCAN_FACTOR = 20


class Change(BaseModel):
    seq: int = Field(description="position in the feed (the activity id)")
    change: Literal["upsert", "delete"]
    activity: str = Field(description="new, changed, deleted, purged")
    id: str
    name: str
    timestamp: Timestamp
    dataset: dict[str, Any] | None = Field(
        default=None, description="the dataset record (as /api/v1/datasets/{id}) after the change"
    )
    deleted: Timestamp | None = Field(default=None, description="tombstones: when it was removed")


class ChangePage(BaseModel):
    changes: list[Change]
    next_cursor: str = Field(description="pass as ?since= to continue after this page")
    has_more: bool
    last_modified: Timestamp | None = Field(
        default=None, description="time of the newest change read so far"
    )


def parse_cursor(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not (since.isascii() and since.isdigit()) or int(since) > MAX_INT64:
        raise Invalid(
            "Bad cursor: pass back the next_cursor of a previous page", {"since": ["Invalid"]}
        )
    return int(since)


def _entry(row: Any) -> Change | None:
    view = feed_view(row.public, row.was_public)
    if view == "skip":
        return None  # not public before or after: nothing to tell (and nothing to reveal)
    common: dict[str, Any] = {
        "seq": row.id,
        "activity": row.activity_type,
        "id": row.dataset_id,
        "timestamp": row.timestamp,
    }
    if view == "upsert":
        return Change(change="upsert", name=row.dataset_name, dataset=row.snapshot, **common)
    # The name it had while public: a rename in the same change is not public.
    name = row.was_name or row.dataset_name
    return Change(change="delete", name=name, deleted=row.timestamp, **common)


def changes_since(session: Session, since: str | None, limit: int = 100) -> ChangePage:
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", {"limit": ["Out of range"]})
    cursor = parse_cursor(since)
    changes: list[Change] = []
    last_time: Timestamp | None = None
    scanned = 0
    exhausted = False
    while len(changes) < limit and scanned < limit * SCAN_FACTOR:
        wanted = limit - len(changes)
        rows = repo.rows_after(session, cursor, wanted)
        for row in rows:
            cursor = row.id
            last_time = row.timestamp
            entry = _entry(row)
            if entry is not None:
                changes.append(entry)
        scanned += len(rows)
        if len(rows) < wanted:
            exhausted = True
            break
    if not exhausted and len(changes) == limit:
        # A full page: look ahead cheaply so clients can stop without an empty round trip.
        exhausted = not repo.rows_after(session, cursor, 1)
    if last_time is None:
        last_time = repo.timestamp_at_or_before(session, cursor)
    return ChangePage(
        changes=changes, next_cursor=str(cursor), has_more=not exhausted, last_modified=last_time
    )
