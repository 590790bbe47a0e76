"""Serving state shared by every web process (`catalog serve --workers N`): the generation of
what the DCAT context is built from, and the CKAN API's `start` paging memo (app.api.ckan.paging).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.models.base import Base

# The current `context_generation`, as plain SQL for reads on the driver's cursor (the search
# facet titles, and a subquery of the stored reads).
CONTEXT_GENERATION_SQL = "SELECT context_generation FROM serving_state WHERE id = 1"


class ServingState(Base):
    """One row (id 1): `context_generation` goes up in every transaction that changes a row the
    DCAT context is made of (catalogue record, licences, organisations) or a facet title
    (categories, measures too); readers cache the context (app.readmodel.context) and the facet
    titles (app.search.titles) per generation."""

    __tablename__ = "serving_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    context_generation: Mapped[int] = mapped_column(BigInteger)


class PagingMemo(Base):
    """Where a CKAN `package_search` page ended, under the query's digest and the `start` the
    next page will ask for (app.api.ckan.paging)."""

    __tablename__ = "paging_memo"

    query_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    start: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cursor: Mapped[str] = mapped_column(Text)
    last_id: Mapped[str] = mapped_column(String(36))
    stored_at: Mapped[datetime] = mapped_column(index=True)


# Rows the DCAT context is built from (app.dcat_export.service.build_context), and the other
# rows facet titles come from (app.search.titles).
_CONTEXT_SOURCES: tuple[type[Base], ...] = ()


def _context_sources() -> tuple[type[Base], ...]:
    global _CONTEXT_SOURCES
    if not _CONTEXT_SOURCES:
        from app.models.measure import Measure
        from app.models.organization import Organization
        from app.models.reference import Catalog, Category, License

        # Categories and measures are not in the DCAT context, but their titles are facet
        # titles that readers cache per this generation too (app.search.titles).
        _CONTEXT_SOURCES = (Catalog, License, Organization, Category, Measure)
    return _CONTEXT_SOURCES


@event.listens_for(Session, "before_flush")
def _bump_context_generation(session: Session, _flush: object, _instances: object) -> None:
    """Raise `context_generation` in the transaction of any ORM write to a context source, so
    every process's cached context is dropped when that transaction commits (a rename included).
    """
    sources = _context_sources()
    changed = any(isinstance(o, sources) for o in (*session.new, *session.deleted)) or any(
        isinstance(o, sources) and session.is_modified(o) for o in session.dirty
    )
    if changed:
        session.connection().execute(
            update(ServingState)
            .where(ServingState.id == 1)
            .values(context_generation=ServingState.context_generation + 1)
        )
