"""Reading the index tables into a `MemoryIndex`: a full load, and catching up by generation."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np
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
    SearchDoc.generation,
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
        generation=row.generation,
    )


def _select() -> Any:
    return select(*_COLUMNS).outerjoin(SearchSource, SearchSource.doc_id == SearchDoc.doc_id)


@dataclass
class Loading:
    """A load in progress: the rows up to `generation` with doc_id <= `last` are in `index`.

    Kept across failures, so a load that lost its database goes on from `last` instead of
    starting over; the rows written meanwhile come in through `catch_up` afterwards.
    """

    index: MemoryIndex
    total: int
    last: int = -1
    done: int = 0
    finished: bool = False

    @property
    def epoch(self) -> int:
        return self.index.epoch


def begin(session_for: SessionFor) -> Loading | None:
    """Start a load of everything up to the current generation (None: no index state yet)."""
    with session_for() as session:
        state = repo.state(session)
        total = session.scalar(select(func.count()).select_from(SearchDoc)) or 0
    if state is None:
        return None
    return Loading(MemoryIndex(*state), total)


def step(session_for: SessionFor, loading: Loading, batch: int) -> bool:
    """Read the next `batch` rows in a transaction of their own; True once all are in.

    Raises `EpochChanged` when the index was rebuilt meanwhile (the load must start over).
    """
    with session_for() as session:
        state = repo.state(session)
        if state is None or state[0] != loading.epoch:
            raise EpochChanged("the search index was rebuilt during the load")
        rows = session.execute(
            _select()
            .where(
                SearchDoc.generation <= loading.index.generation, SearchDoc.doc_id > loading.last
            )
            .order_by(SearchDoc.doc_id)
            .limit(batch)
        ).all()
    if rows:
        loading.index.add([_row(r) for r in rows])
        loading.last = rows[-1].doc_id
        loading.done += len(rows)
    loading.finished = len(rows) < batch
    return loading.finished


class EpochChanged(RuntimeError):
    """The index was rebuilt (a new epoch) while it was being loaded."""


def load(
    session_for: SessionFor,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
) -> MemoryIndex | None:
    """A new index of everything up to the current generation (None: no index state yet).

    `session_for` gives a session per batch (short transactions: SQLite writers are not
    held up by a long load); later writes are applied by `catch_up`.
    """
    loading = begin(session_for)
    if loading is None:
        return None
    while not step(session_for, loading, batch):
        if progress is not None:
            progress(loading.done, loading.total)
    if progress is not None:
        progress(loading.done, loading.total)
    return loading.index


@dataclass(frozen=True)
class Changes:
    """The index writes after generation `since`, as read (not applied yet)."""

    since: int
    gone: list[int]
    changed: list[DocRow]


def read_changes(session: Session, since: int) -> Changes:
    """The writes after generation `since`: documents removed, and documents (re)written as
    they are now. Touches no index, so it needs no lock (registry.ready reads them before it
    takes the index's lock)."""
    gone = list(session.scalars(select(SearchGone.doc_id).where(SearchGone.generation > since)))
    changed = session.execute(_select().where(SearchDoc.generation > since)).all()
    return Changes(since, gone, [_row(row) for row in changed])


def apply_changes(index: MemoryIndex, changes: Changes, generation: int) -> None:
    """Apply `changes` read from `index.generation` and move the index to `generation` (the
    caller holds the index's lock and checked that the index is still at `changes.since`)."""
    for doc_id in changes.gone:
        index.remove(doc_id)
    index.add(changes.changed)
    index.generation = generation


def catch_up(session: Session, index: MemoryIndex, generation: int) -> None:
    """Apply the writes after `index.generation`, up to at least `generation` (the caller
    read it from search_state before: everything up to it has committed)."""
    apply_changes(index, read_changes(session, index.generation), generation)


def fingerprint(session: Session) -> tuple[int, int, int]:
    """(documents, sum of doc ids, sum of generations) of the index tables as `session`
    sees them: what an index caught up to the same generation must hold too."""
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(SearchDoc.doc_id), 0),
            func.coalesce(func.sum(SearchDoc.generation), 0),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def index_fingerprint(index: MemoryIndex) -> tuple[int, int, int]:
    """The same sums over the documents of `index`."""
    if not index.all:
        return 0, 0, 0
    slots = np.frombuffer(index.all.to_array(), dtype=np.uint32).astype(np.int64)
    return len(slots), int(slots.sum()), int(index.generations.data[slots].sum())
