"""Opaque paging cursors: a keyset position (sort values of the last row) or an offset."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.common.bounds import MAX_INTEGER
from app.errors import SearchQueryError
from app.search.repository import SortValue
from app.timeutil import to_naive_utc

_DATETIME_COLUMNS = frozenset({"metadata_modified", "metadata_created"})


def encode_cursor(
    sort: str, *, values: Sequence[object] | None = None, offset: int | None = None
) -> str:
    payload: dict[str, Any] = {"s": sort}
    if values is not None:
        payload["k"] = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    else:
        payload["o"] = offset
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad(reason: str) -> SearchQueryError:
    return SearchQueryError(
        f"Bad cursor ({reason}): pass back the next_cursor of a previous page, with the same sort",
        {"cursor": [reason]},
    )


def decode_cursor(cursor: str, sort: str, columns: Sequence[str] | None) -> int | list[SortValue]:
    """An offset, or the keyset values for `columns` (None: this sort pages by offset)."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise _bad("not a cursor") from None
    if not isinstance(payload, dict) or payload.get("s") != sort:
        raise _bad("made for another sort")
    if columns is None:
        offset = payload.get("o")
        if not isinstance(offset, int) or not 0 <= offset <= MAX_INTEGER:
            raise _bad("not a cursor for this sort")
        return offset
    values = payload.get("k")
    if not isinstance(values, list) or len(values) != len(columns):
        raise _bad("not a cursor for this sort")
    out: list[SortValue] = []
    for column, value in zip(columns, values, strict=True):
        if not isinstance(value, str):
            raise _bad("not a cursor for this sort")
        try:
            if column in _DATETIME_COLUMNS:
                out.append(to_naive_utc(datetime.fromisoformat(value)))
            else:
                out.append(value)
        except ValueError:
            raise _bad("not a cursor for this sort") from None
    return out
