"""Stable `start` paging for CKAN clients, which page by offset only.

A client walking `package_search?sort=id+asc&start=0,100,200...` over a catalogue that is being
written to would, with plain offsets, see a dataset twice when one is created before its
position and miss one when one is deleted before it. So each page remembers where it ended
(the search's keyset cursor) under the query and the `start` the next page will ask for;
a request for that `start` continues from the cursor instead of counting rows again.

Every page overwrites the entry for the next `start`, so a new walk (which starts at 0)
never continues an older one. An entry is only used while the last dataset of the page it came
from still exists (soft-deleted is fine: the keyset position stays meaningful).

The memo lives in the database (`paging_memo`), so the N processes of `catalog serve --workers
N` continue each other's walks. Keyset positions in the request were the alternative, but CKAN
clients (ckanext-harvest, ckanapi) send only `start`. A page past the first reads its own
entry and the next one in one query; a page writes only when the next entry changes (a first
page compares with what its process wrote last, so a repeated search reads and writes nothing
once each worker has answered it), in a short write transaction after its read and before its
response (app.api.sessions.write_before_response). Entries older than TTL_SECONDS are ignored
and swept by later writes; a request that finds nothing pages by offset, as CKAN does.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Hashable
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.api.sessions import write_before_response
from app.models import PagingMemo
from app.timeutil import utcnow

TTL_SECONDS = 900.0
# What this process wrote last per (query, start): a first page repeated writes nothing.
_WRITTEN_MAX = 4096
_written: dict[tuple[str, int], tuple[float, Position]] = {}


class Position(NamedTuple):
    cursor: str
    last_id: str


def query_digest(query: Hashable) -> str:
    """The memo key of a query (its parameters and who asks): 64 hex chars."""
    return hashlib.sha256(repr(query).encode("utf-8")).hexdigest()


def written(key: str, start: int) -> Position | None:
    """The position this process last wrote for (key, start), while it is still live."""
    entry = _written.get((key, start))
    if entry is None or time.monotonic() - entry[0] > TTL_SECONDS / 2:
        return None
    return entry[1]


def lookup(session: Session, key: str, starts: list[int]) -> dict[int, Position]:
    """The live entries of query `key` at these `start`s."""
    if not starts:
        return {}
    oldest = utcnow().replace(tzinfo=None) - timedelta(seconds=TTL_SECONDS)
    rows = session.execute(
        select(PagingMemo.start, PagingMemo.cursor, PagingMemo.last_id).where(
            PagingMemo.query_key == key,
            PagingMemo.start.in_(starts),
            PagingMemo.stored_at > oldest,
        )
    )
    return {row.start: Position(row.cursor, row.last_id) for row in rows}


def remember(session: Session, key: str, start: int, position: Position) -> None:
    """Keep `position` as where the page at `start` of query `key` begins (before the response
    of the current request goes out); older entries are swept in the same transaction."""

    def write(ws: Session) -> None:
        now = utcnow().replace(tzinfo=None)
        expired = now - timedelta(seconds=TTL_SECONDS)
        ws.execute(delete(PagingMemo).where(PagingMemo.stored_at < expired))
        ws.execute(delete(PagingMemo).where(PagingMemo.query_key == key, PagingMemo.start == start))
        ws.add(
            PagingMemo(
                query_key=key,
                start=start,
                cursor=position.cursor,
                last_id=position.last_id,
                stored_at=now,
            )
        )

    write_before_response(session, write)
    if len(_written) >= _WRITTEN_MAX:
        _written.clear()
    _written[(key, start)] = (time.monotonic(), position)
