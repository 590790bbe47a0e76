"""Streamed outputs of the Linked Data surface: the full dump (/dump/catalog.nt.gz …), the
sitemap, and our plan vocabulary at its namespace URL (/ns/plan)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from app.api import sitemap_xml as pages
from app.api.dcat import choose_format, respond, settings_of
from app.api.http_cache import cache_headers, etag_for, not_modified
from app.common.bounds import MAX_INTEGER
from app.db import session_scope
from app.dcat.context import Context
from app.dcat.formats import DUMP_FORMATS, HTML, Format, split_ext
from app.dcat.vocab import vocab_document, vocab_html, vocab_modified
from app.dcat_export import dump as stored_dump
from app.dcat_export import service as svc
from app.errors import NotFound
from app.timeutil import utcnow
from app.web import entities as web

router = APIRouter(tags=["linked data"])


def _dump_body(sessions: sessionmaker[Session], ctx: Context, fmt: Format) -> Iterator[bytes]:
    # Stored per-dataset texts from the read model (no ORM on this path).
    yield from (piece for _count, piece in stored_dump.gzip_dump(sessions, ctx, fmt))


# Streamed bodies are sent after the handler returns, so these handlers use short sessions of
# their own rather than the request's (which would hold SQLite's lock for the whole stream).


@router.get("/dump/{filename}", summary="The whole public catalogue, streamed (gzip)")
def dump(
    request: Request,
    filename: Annotated[str, Path(description="catalog.nt.gz, catalog.ttl.gz, catalog.jsonld.gz")],
) -> Response:
    stem, _dot, suffix = filename.partition(".")
    fmt = DUMP_FORMATS.get(suffix)
    if stem != "catalog" or fmt is None:
        raise NotFound(
            f"No dump {filename!r}: use catalog.nt.gz, catalog.ttl.gz or catalog.jsonld.gz"
        )
    sessions: sessionmaker[Session] = request.app.state.db.read_sessions
    settings = settings_of(request)
    with session_scope(sessions) as session:
        ctx = svc.build_context(session, settings)
        last_modified = svc.last_change(session) or utcnow()
        count = svc.public_count(session)
    etag = etag_for("dump", settings.base_uri, suffix, str(count), last_modified.isoformat())
    headers = cache_headers(etag, last_modified, vary="Accept-Encoding")
    if not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return StreamingResponse(
        _dump_body(sessions, ctx, fmt), media_type="application/gzip", headers=headers
    )


def _sitemap_body(
    sessions: sessionmaker[Session], ctx: Context, part: int | None
) -> Iterator[bytes]:
    with session_scope(sessions) as session:
        items: Iterator[tuple[str, datetime | None]] = svc.sitemap_pages(session)
        if part is not None:
            start = (part - 1) * pages.SITEMAP_LIMIT
            items = itertools.islice(items, start, start + pages.SITEMAP_LIMIT)
        # Collect names in the transaction, then render: a part holds at most 50,000 rows.
        found = list(items)
    for text in pages.sitemap(ctx, found):
        yield text.encode("utf-8")


def _sitemap(request: Request, part: int | None) -> Response:
    sessions: sessionmaker[Session] = request.app.state.db.read_sessions
    with session_scope(sessions) as session:
        ctx = svc.build_context(session, settings_of(request))
        parts = -(-svc.sitemap_size(session) // pages.SITEMAP_LIMIT)
    if part is None and parts > 1:
        return Response(pages.sitemap_index(ctx, parts), media_type="application/xml")
    if part is not None and not 1 <= part <= parts:
        raise NotFound(f"Sitemap part {part} does not exist (there are {parts})")
    return StreamingResponse(_sitemap_body(sessions, ctx, part), media_type="application/xml")


@router.get("/sitemap.xml", summary="Every public dataset, organisation and measure page")
def sitemap(request: Request) -> Response:
    return _sitemap(request, None)


@router.get("/sitemap-{part}.xml", summary="One part of a sitemap too large for one file")
def sitemap_part(request: Request, part: Annotated[int, Path(ge=0, le=MAX_INTEGER)]) -> Response:
    return _sitemap(request, part)


@router.get("/ns/plan", summary="Our plan vocabulary (RDFS/OWL), HTML or RDF by Accept")
def vocabulary(request: Request) -> Response:
    return _vocabulary(request, choose_format(request, None))


@router.get("/ns/plan.{ext}", summary="Our plan vocabulary as ttl, rdf, jsonld or nt")
def vocabulary_ext(request: Request, ext: str) -> Response:
    _stem, fmt = split_ext("plan." + ext)
    if fmt is None:
        raise NotFound(f"No format {ext!r}: use ttl, rdf, jsonld or nt")
    return _vocabulary(request, fmt)


def _vocabulary(request: Request, fmt: Format) -> Response:
    base = settings_of(request).base_uri
    if fmt is HTML:
        return web.vocabulary_page(request, vocab_html(base))
    return respond(request, fmt, vocab_document(base, fmt), vocab_modified())
