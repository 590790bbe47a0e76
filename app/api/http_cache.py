"""Conditional GET: ETag and Last-Modified on responses, 304 on If-None-Match/If-Modified-Since.

RFC 9110 §13.1: If-None-Match wins over If-Modified-Since; GET compares entity tags weakly.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response


def etag_for(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\0")
    return f'"{digest.hexdigest()[:32]}"'


def http_date(when: datetime) -> str:
    """An HTTP date for a naive-UTC timestamp (seconds; HTTP has no finer precision)."""
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return format_datetime(aware.replace(microsecond=0), usegmt=True)


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = _tags(inm)
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = request.headers.get("if-modified-since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        changed = last_modified.replace(tzinfo=UTC, microsecond=0)
        return changed <= since
    return False


def cache_headers(
    etag: str, last_modified: datetime | None, *, vary: str = "Accept", private: bool = False
) -> dict[str, str]:
    headers = {
        "ETag": etag,
        "Vary": vary,
        # Revalidate every time: the ETag makes that cheap, and nightly harvesters rely on it.
        "Cache-Control": ("private" if private else "public") + ", max-age=0, must-revalidate",
    }
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    return headers


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    last_modified: datetime | None,
    *,
    private: bool = False,
    extra: dict[str, str] | None = None,
) -> Response:
    """The response for a fully built body: its hash is the ETag; 304 if the client has it."""
    etag = etag_for(body)
    headers = cache_headers(etag, last_modified, private=private) | (extra or {})
    if not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
