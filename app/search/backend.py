"""The interface a full-text backend implements (SQLite FTS5, PostgreSQL tsvector + GIN).

Everything but the full-text index is plain SQL shared by both backends
(`app.search.repository`): the `search_doc` / `search_facet` rows, visibility, filters on
columns, sorting, paging and facet counting. A backend only stores each document's index
texts and turns a `TextMatch` into a SQL condition on `search_doc`, so both databases
answer every query the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.search.documents import IndexTexts
from app.search.query import Clause, Query


@dataclass(frozen=True)
class TextMatch:
    """What the full-text index must match.

    ``query`` holds the text clauses (positive ANDed, negative excluded); ``keys_all`` is a
    list of filter-token groups (one token of every group must occur); ``keys_none`` are
    filter tokens none of which may occur.
    """

    query: Query
    keys_all: tuple[tuple[str, ...], ...] = ()
    keys_none: tuple[str, ...] = ()

    @property
    def has_positive(self) -> bool:
        return bool(self.query.positive or self.keys_all)

    @property
    def has_negative(self) -> bool:
        return bool(self.query.negative or self.keys_none)

    @property
    def empty(self) -> bool:
        return not (self.has_positive or self.has_negative)

    def requiring(self, groups: tuple[tuple[str, ...], ...]) -> TextMatch:
        """This match with more token groups that must occur (e.g. visibility)."""
        return replace(self, keys_all=groups + self.keys_all)


# Facet counts: facet field -> value -> number of documents.
FacetCounts = dict[str, dict[str, int]]


class SearchBackend(Protocol):
    name: str

    def tuned(self, session: Session) -> AbstractContextManager[None]:
        """Planner settings for the statements of one search, restored afterwards."""

    def matches(self, match: TextMatch, *, broad: bool = False) -> ColumnElement[bool]:
        """Condition on `search_doc` rows: the document matches `match` (not empty).

        `broad`: many documents match, and the caller wants a page of them in index order.
        """

    def title_matches(self, clauses: tuple[Clause, ...]) -> ColumnElement[bool]:
        """Condition: every clause matches the document's title (the relevance boost)."""

    def count(self, session: Session, match: TextMatch) -> int:
        """Documents matching `match`, counted from the full-text index alone.

        `match` must have a positive part and carry every condition of the search
        (visibility as token groups included): nothing else is checked.
        """

    def count_and_facets(
        self,
        session: Session,
        where: Sequence[ColumnElement[bool]],
        single: Sequence[str],
        multi: Sequence[str],
    ) -> tuple[int, FacetCounts]:
        """Total and facet counts over every `search_doc` row satisfying `where`.

        `single` are search_doc columns; `multi` are fields packed in search_doc.facets.
        """

    def store(self, session: Session, items: Sequence[tuple[int, IndexTexts]]) -> None:
        """Index the texts of document rows, (doc_id, texts) each (new, or after `unstore`),
        in one statement per table (a harvest page's documents at once)."""

    def unstore(self, session: Session, doc_id: int) -> None:
        """Remove a document's texts from the full-text index (before its row changes)."""

    def clear(self, session: Session) -> None:
        """Empty the full-text index (the rows of search_doc are deleted by the caller)."""
