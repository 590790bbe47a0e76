"""GET /api/v1/changes: the change feed, with ETag / Last-Modified and 304."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.auth import SessionDep
from app.changes import service
from app.changes.service import ChangePage
from app.timeutil import to_naive_utc

router = APIRouter(tags=["changes"])


def _http_date(page: ChangePage) -> str | None:
    if page.last_modified is None:
        return None
    return format_datetime(page.last_modified.replace(microsecond=0, tzinfo=UTC), usegmt=True)


def _not_modified(request: Request, etag: str, page: ChangePage) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return etag in {t.strip().removeprefix("W/") for t in inm.split(",")} or inm.strip() == "*"
    ims = request.headers.get("if-modified-since")
    if ims and page.last_modified is not None:
        try:
            since = to_naive_utc(parsedate_to_datetime(ims))
        except (TypeError, ValueError):
            return False
        return page.last_modified.replace(microsecond=0) <= since
    return False


@router.get(
    "/changes",
    response_model=ChangePage,
    responses={304: {"description": "Not modified (If-None-Match / If-Modified-Since)"}},
)
def changes(
    session: SessionDep,
    request: Request,
    response: Response,
    since: Annotated[
        str | None, Query(description="next_cursor of a previous page; omit to start")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 100,
) -> ChangePage | Response:
    """Creates, updates and removals of public datasets in commit order.

    Removals (deleted, purged, or turned private/draft) come as tombstones with id, name and
    time. Continue with `?since=<next_cursor>` until `has_more` is false; cursors stay valid.
    """
    page = service.changes_since(session, since, limit)
    # The entries after a cursor never change once committed (activity rows are immutable and
    # appended in commit order), so the page is identified by where it starts and ends.
    more = "m" if page.has_more else "e"
    etag = f'"changes-{since or 0}-{limit}-{page.next_cursor}{more}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    last_modified = _http_date(page)
    if last_modified:
        headers["Last-Modified"] = last_modified
    if _not_modified(request, etag, page):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return page
