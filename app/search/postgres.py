"""PostgreSQL backend: `search_doc.tsv` (title, body and filter tokens) with a GIN index, and
`search_doc.title_tsv` (title only, for the relevance boost), both ``to_tsvector('simple', …)``
of our pre-tokenised text, so PostgreSQL never tokenises Japanese itself.

Values are separated by the `SEPARATOR` token, as FTS5 separates columns and values, so a
phrase matches the same documents on both databases. `tuned` sets the planner settings a
search needs for its own statements (see _SETTINGS).

Counting and facets happen in the database (one statement: the matched rows materialised
once, grouped per single-valued column, and the packed multi-valued facets unnested), since
shipping a large result set to Python would cost more than grouping it there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from app.errors import AppError
from app.models.search import SearchDoc
from app.search import repository as repo
from app.search.backend import FacetCounts, TextMatch
from app.search.documents import FACET_SEP, FILTER_CODES, SEPARATOR, IndexTexts
from app.search.query import Clause, Query, Term, to_tsquery

_TSV: Final = literal_column("search_doc.tsv", TSVECTOR)
_TITLE_TSV: Final = literal_column("search_doc.title_tsv", TSVECTOR)


def _quote(token: str) -> str:
    # Filter tokens are [0-9a-z]+ (see documents.filter_token): nothing to escape.
    return f"'{token}'"


def _any_term(terms: tuple[Term, ...]) -> str:
    return " | ".join(to_tsquery(Query(positive=(term,))) for term in terms)


def tsquery_positive(match: TextMatch) -> str:
    """tsquery text for a match with a positive part (negative parts folded in with !)."""
    parts: list[str] = []
    if match.query.positive:
        parts.append(to_tsquery(Query(positive=match.query.positive)))
    parts += ["(" + " | ".join(map(_quote, group)) + ")" for group in match.keys_all]
    negative = tsquery_negative(match) if match.has_negative else None
    if negative:
        parts.append(f"!({negative})")
    return " & ".join(parts)


def tsquery_negative(match: TextMatch) -> str:
    """tsquery text matching documents that contain any excluded term or filter token."""
    parts: list[str] = []
    if match.query.negative:
        parts.append(_any_term(match.query.negative))
    parts += [_quote(token) for token in match.keys_none]
    return " | ".join(parts)


def _tsquery(query: str) -> ColumnElement[object]:
    return func.to_tsquery(
        literal_column("'simple'::regconfig"), bindparam("tsq", query, String(), unique=True)
    )


# Planner settings for a search, for its statements only (SET LOCAL, then restored):
# random_page_cost 1.1 - with the default 4 the planner picks full scans for common
#   2-character queries at a million rows (BASELINES.md);
# enable_seqscan off - the planner does not cost detoasting: a sequential scan evaluates @@
#   on every row's out-of-line tsvector (5 s instead of 0.3 s for a 1-character query);
# jit off - compiling would cost more than these short queries take.
_SETTINGS: Final = {"random_page_cost": "1.1", "enable_seqscan": "off", "jit": "off"}


def _set_local(session: Session, values: dict[str, str]) -> None:
    calls = ", ".join(f"set_config('{name}', :{name}, true)" for name in values)
    session.execute(text(f"SELECT {calls}"), values)


class PostgresBackend:
    name = "postgresql"

    @contextmanager
    def tuned(self, session: Session) -> Iterator[None]:
        names = ", ".join(f"current_setting('{name}')" for name in _SETTINGS)
        previous = session.execute(text(f"SELECT {names}")).one()
        _set_local(session, _SETTINGS)
        try:
            yield
        except AppError:
            # A user error leaves the transaction usable: restore. After a database error
            # it is aborted, and the rollback undoes SET LOCAL anyway.
            _set_local(session, dict(zip(_SETTINGS, previous, strict=True)))
            raise
        _set_local(session, dict(zip(_SETTINGS, previous, strict=True)))

    def matches(self, match: TextMatch, *, broad: bool = False) -> ColumnElement[bool]:
        if match.has_positive:
            return _TSV.bool_op("@@")(_tsquery(tsquery_positive(match)))
        if not match.has_negative:
            raise ValueError("empty text match")
        excluded = select(SearchDoc.doc_id).where(
            _TSV.bool_op("@@")(_tsquery(tsquery_negative(match)))
        )
        return SearchDoc.doc_id.not_in(excluded)

    def title_matches(self, clauses: tuple[Clause, ...]) -> ColumnElement[bool]:
        return _TITLE_TSV.bool_op("@@")(_tsquery(to_tsquery(Query(positive=clauses))))

    def count(self, session: Session, match: TextMatch) -> int:
        if not match.has_positive:
            raise ValueError("an index-only count needs a positive match")
        # Only the tsvector condition: for token-only queries GIN needs no recheck and the
        # bitmap heap scan can skip the heap for all-visible pages.
        stmt = select(func.count()).select_from(SearchDoc).where(self.matches(match))
        return int(session.execute(stmt).scalar_one())

    def count_and_facets(
        self,
        session: Session,
        where: Sequence[ColumnElement[bool]],
        single: Sequence[str],
        multi: Sequence[str],
    ) -> tuple[int, FacetCounts]:
        """One statement: the matched rows are materialised once, then grouped per field."""
        columns = [SearchDoc.doc_id, SearchDoc.facets] + [getattr(SearchDoc, f) for f in single]
        matched = select(*columns).where(*where).cte("matched").prefix_with("MATERIALIZED")
        # Field names come from the fixed facet lists, never from the request.
        parts: list[Select[str, str, int]] = [
            select(
                literal_column("''", String), literal_column("''", String), func.count()
            ).select_from(matched)
        ]
        for name in single:
            col = matched.c[name]
            parts.append(
                select(literal_column(f"'{name}'", String), col, func.count())
                .where(col.is_not(None))
                .group_by(col)
            )
        if multi:
            # One row per packed value (a function in FROM may refer to "matched").
            entries = (
                func.unnest(func.string_to_array(matched.c.facets, FACET_SEP))
                .table_valued("entry")
                .render_derived(name="entries")
            )
            entry = entries.c.entry
            codes = [FILTER_CODES[name] for name in multi]
            parts.append(
                select(literal_column("'~'", String), entry, func.count())
                .select_from(matched.join(entries, true()))
                .where(func.left(entry, 1).in_(codes))
                .group_by(entry)
            )
        names = {FILTER_CODES[name]: name for name in multi}
        counts: FacetCounts = {name: {} for name in [*single, *multi]}
        total = 0
        for field_name, value, n in session.execute(union_all(*parts)).all():
            if field_name == "":
                total = int(n)
            elif field_name == "~":
                counts[names[value[0]]][value[1:]] = int(n)
            else:
                counts[field_name][value] = int(n)
        return total, counts

    def store(self, session: Session, items: Sequence[tuple[int, IndexTexts]]) -> None:
        if not items:
            return
        session.execute(
            text(
                "UPDATE search_doc SET tsv = to_tsvector('simple', :everything), "
                "title_tsv = to_tsvector('simple', :title) WHERE doc_id = :doc_id"
            ),
            [
                {
                    "everything": f" {SEPARATOR} ".join((t.title, t.body, t.keys)),
                    "title": t.title,
                    "doc_id": doc_id,
                }
                for doc_id, t in items
            ],
        )
        repo.store_sources(session, items)  # what the in-memory index loads

    def unstore(self, session: Session, doc_id: int) -> None:
        # The row update (or delete) replaces the tsvectors; the source is written anew.
        repo.delete_source(session, doc_id)

    def clear(self, session: Session) -> None:
        repo.delete_source(session)  # the tsvectors go with the search_doc rows
