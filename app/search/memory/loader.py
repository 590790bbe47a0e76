"""Reading the index tables into a `MemoryIndex`: a full load, and catching up by generation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.models.search import SearchDoc, SearchGone, SearchSource
from app.search import repository as repo
from app.search.documents import SINGLE_VALUED
from app.search.memory.index import DocRow, MemoryIndex

_COLUMNS = (
    SearchDoc.doc_id,
    SearchDoc.dataset_id,
    SearchDoc.title_exact,
    SearchDoc.metadata_modified,
    SearchDoc.metadata_created,
    SearchDoc.facets,
    *(getattr(SearchDoc, name) for name in SINGLE_VALUED),
    SearchSource.tokens,
)


# Gives a session for a batch of reads: a new one each time, or the caller's own.
SessionFor = Callable[[], AbstractContextManager[Session]]


class SourceMissing(RuntimeError):
    """Documents without search_source rows (indexed before it was kept on PostgreSQL)."""


def _row(row: Row[Any]) -> DocRow:
    if row.tokens is None:
        raise SourceMissing(
            "search documents without their index tokens: run `catalog search reindex`"
        )
    return DocRow(
        doc_id=row.doc_id,
        dataset_id=row.dataset_id,
        title_exact=row.title_exact,
        modified=row.metadata_modified,
        created=row.metadata_created,
        single={name: getattr(row, name) for name in SINGLE_VALUED},
        packed_facets=row.facets,
        texts=repo.unpack_texts(row.tokens),
    )


def _select() -> Any:
    return select(*_COLUMNS).outerjoin(SearchSource, SearchSource.doc_id == SearchDoc.doc_id)


def _batches(session_for: SessionFor, generation: int, batch: int) -> Iterator[list[DocRow]]:
    last = -1
    while True:
        with session_for() as session:
            rows = session.execute(
                _select()
                .where(SearchDoc.generation <= generation, SearchDoc.doc_id > last)
                .order_by(SearchDoc.doc_id)
                .limit(batch)
            ).all()
        if not rows:
            return
        last = rows[-1].doc_id
        yield [_row(r) for r in rows]


def load(
    session_for: SessionFor,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
) -> MemoryIndex | None:
    """A new index of everything up to the current generation (None: no index state yet).

    `session_for` gives a session per batch (short transactions: SQLite writers are not
    held up by a long load); later writes are applied by `catch_up`.
    """
    with session_for() as session:
        state = repo.state(session)
        total = session.scalar(select(func.count()).select_from(SearchDoc)) or 0
    if state is None:
        return None
    epoch, generation = state
    index = MemoryIndex(epoch, generation)
    done = 0
    for rows in _batches(session_for, generation, batch):
        index.add(rows)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return index


def catch_up(session: Session, index: MemoryIndex, generation: int) -> None:
    """Apply the writes after `index.generation`, up to at least `generation` (the caller
    read it from search_state before: everything up to it has committed)."""
    since = index.generation
    gone = session.scalars(select(SearchGone.doc_id).where(SearchGone.generation > since))
    for doc_id in gone:
        index.remove(doc_id)
    changed = session.execute(_select().where(SearchDoc.generation > since)).all()
    index.add([_row(row) for row in changed])
    index.generation = generation
