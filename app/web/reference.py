"""Reference lists the pages show on every request (measures, categories, prefectures, the
kind of each organisation), kept per process for `TTL` seconds per database.

They come from the seed and change only when the seed is reloaded or an organisation is
added, so a page may show a renamed title up to a minute late; every count on the pages is
live (search facets), never cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.catalog import service as catalog_service
from app.catalog.schemas import CategoryOut
from app.measures import service as measure_service
from app.measures.schemas import MeasureOut
from app.organizations import service as org_service
from app.organizations.schemas import OrganizationOut

TTL = 60.0
T = TypeVar("T")
_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[float, Any]] = {}


def cached(session: Session, key: str, load: Callable[[], T]) -> T:
    """`load()`, kept per process and database for `TTL` seconds under `key`."""
    slot = (str(session.get_bind().engine.url), key)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(slot)
    if hit is not None and now - hit[0] < TTL:
        value: T = hit[1]
        return value
    value = load()
    with _lock:
        _cache[slot] = (now, value)
    return value


def clear() -> None:
    with _lock:
        _cache.clear()


def measures(session: Session) -> list[MeasureOut]:
    """The 180 measures (their `dataset_count` is as of loading: overlay live counts)."""
    return cached(session, "measures", lambda: list(measure_service.list_measures(session).items))


def categories(session: Session) -> list[CategoryOut]:
    return cached(session, "categories", lambda: catalog_service.list_categories(session))


def prefectures(session: Session) -> list[OrganizationOut]:
    return cached(
        session,
        "prefectures",
        lambda: list(org_service.list_organizations(session, kind="prefecture", limit=47).items),
    )


def organization_kinds(session: Session) -> dict[str, str]:
    """Organisation name -> kind, for every organisation."""
    return cached(session, "kinds", lambda: org_service.kinds_by_name(session, None))
