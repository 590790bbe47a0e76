"""The DCAT context readers use, built once per generation instead of once per request.

`build_context` costs four queries and the licence list (~29 ms of a 36 ms stored `.ttl` read,
bench/results/readmodel-api-2026-12-01.txt). Its sources (catalogue record, licences,
organisations) change rarely, and every ORM write to them raises
`serving_state.context_generation` in the writer's transaction (app.models.serving); so the
context is kept per (base URI, generation) in each process, and a rename seen by any worker's
next request brings a fresh one. Readers read the generation before building: a context built
from a newer state than its key is harmless (the next request sees the newer key).
"""

from __future__ import annotations

import threading

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.dcat.context import Context
from app.models.serving import ServingState
from app.readmodel import render

_KEEP = 4
_cache: dict[tuple[str, int], tuple[Context, str]] = {}
_lock = threading.Lock()


def generation_column() -> ScalarSelect[int]:
    """The current generation as a scalar subquery (to read it with another query's row)."""
    return select(ServingState.context_generation).where(ServingState.id == 1).scalar_subquery()


def generation(session: Session) -> int | None:
    """The current generation; None on a database without the row (never cached then)."""
    return session.scalar(select(generation_column()))


def cached(settings: Settings, known: int | None) -> tuple[Context, str] | None:
    """The cached (context, digest) for `settings`' base URI at generation `known`, if built."""
    return None if known is None else _cache.get((settings.base_uri, known))


def reader_context(
    session: Session, settings: Settings, known: int | None = None
) -> tuple[Context, str]:
    """(context, its digest) for `settings`' base URI at the database's generation (`known`
    when the caller read it already in the same query as its row)."""
    gen = known if known is not None else generation(session)
    key = (settings.base_uri, gen) if gen is not None else None
    if key is not None:
        hit = _cache.get(key)
        if hit is not None:
            return hit
    # Imported here: the export service imports the dataset service, which writes here.
    from app.dcat_export.service import build_context

    ctx = build_context(session, settings)
    built = (ctx, render.context_digest(ctx))
    if key is not None:
        with _lock:
            if len(_cache) >= _KEEP:
                _cache.clear()
            _cache[key] = built
    return built
