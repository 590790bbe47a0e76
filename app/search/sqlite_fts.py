"""SQLite backend: a contentless FTS5 table `search_fts(title, body, keys)`, rowid = doc_id.

The table is made by the migration with ``tokenize='unicode61'`` (our tokens are plain
``[0-9a-z]+`` words) and ``prefix='6'`` (a 1-character query is the prefix query ``b04fdd*``).
Contentless keeps the index small (the token text is ~4x the UTF-8 text), but a row can
only be deleted by handing FTS5 the exact text it indexed: `search_source` keeps it
zlib-compressed. A trigger (migration 0002) empties the FTS5 table when search_doc
becomes empty, so a bulk ``DELETE FROM search_doc`` cannot leave orphans behind.

Counting and facets: SQLite has no hash aggregation (GROUP BY sorts), so facets are
counted in Python over one pass of the matched rows; a count without facets is answered
by the FTS5 index alone, visibility included (visibility tokens, see documents.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Final

from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    column,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from app.models.search import SearchDoc
from app.search import repository as repo
from app.search.backend import FacetCounts, TextMatch
from app.search.documents import FACET_SEP, FILTER_CODES, IndexTexts
from app.search.query import Clause, Query, to_fts5, to_fts5_any

FTS_TABLE: Final = "search_fts"
_TEXT_COLUMNS: Final = "{title body}"


def _keys_all(groups: tuple[tuple[str, ...], ...]) -> str:
    return " AND ".join("(" + " OR ".join(group) + ")" for group in groups)


def _positive(match: TextMatch) -> str:
    parts: list[str] = []
    if match.query.positive:
        parts.append(f"{_TEXT_COLUMNS} : ({to_fts5(Query(positive=match.query.positive))})")
    if match.keys_all:
        parts.append(f"keys : ({_keys_all(match.keys_all)})")
    return " AND ".join(parts)


def _negative(match: TextMatch) -> str:
    parts: list[str] = []
    if match.query.negative:
        parts.append(f"{_TEXT_COLUMNS} : ({to_fts5_any(match.query.negative)})")
    if match.keys_none:
        parts.append(f"keys : ({' OR '.join(match.keys_none)})")
    return " OR ".join(parts)


def fts5_expression(match: TextMatch) -> tuple[str | None, str | None]:
    """(expression that must match, expression that must not); either may be None.

    FTS5 evaluates ``A NOT B`` itself, so a query with a positive part is one expression.
    """
    positive = _positive(match) if match.has_positive else None
    negative = _negative(match) if match.has_negative else None
    if positive and negative:
        return f"({positive}) NOT ({negative})", None
    return positive, negative


def _rowids(expr: str) -> TextualSelect:
    # MATCH on the table name; the expression is a bound parameter, never spliced in.
    stmt = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :expr")
    return stmt.bindparams(bindparam("expr", expr, unique=True)).columns(column("rowid", Integer))


def _doc_id(broad: bool) -> ColumnElement[int]:
    # "+doc_id IN (...)" keeps SQLite from driving the query by the list of matches, so it
    # walks the ORDER BY index instead and stops after a page: much faster when many match.
    return literal_column("+search_doc.doc_id", Integer()) if broad else SearchDoc.doc_id.expression


class SqliteFts5Backend:
    name = "sqlite"

    def tuned(self, session: Session) -> AbstractContextManager[None]:
        return nullcontext()

    def matches(self, match: TextMatch, *, broad: bool = False) -> ColumnElement[bool]:
        positive, negative = fts5_expression(match)
        conditions: list[ColumnElement[bool]] = []
        if positive:
            conditions.append(_doc_id(broad).in_(_rowids(positive)))
        if negative:
            conditions.append(SearchDoc.doc_id.not_in(_rowids(negative)))
        if not conditions:
            raise ValueError("empty text match")
        return conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]

    def title_matches(self, clauses: tuple[Clause, ...]) -> ColumnElement[bool]:
        expr = f"title : ({to_fts5(Query(positive=clauses))})"
        return SearchDoc.doc_id.in_(_rowids(expr))

    def count(self, session: Session, match: TextMatch) -> int:
        positive, negative = fts5_expression(match)
        if positive is None or negative is not None:
            raise ValueError("an index-only count needs a positive match")
        stmt = text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :expr")
        return int(session.execute(stmt, {"expr": positive}).scalar_one())

    def count_and_facets(
        self,
        session: Session,
        where: Sequence[ColumnElement[bool]],
        single: Sequence[str],
        multi: Sequence[str],
    ) -> tuple[int, FacetCounts]:
        columns = [getattr(SearchDoc, name) for name in single]
        if multi:
            columns.append(SearchDoc.facets)
        # Core, not ORM, execution: this can be tens of thousands of rows.
        rows = session.connection().execute(select(*columns).where(*where)).all()
        counts: FacetCounts = {}
        for i, name in enumerate(single):
            counts[name] = dict(Counter(row[i] for row in rows if row[i] is not None))
        if multi:
            names = {FILTER_CODES[name]: name for name in multi}
            for name in multi:
                counts[name] = {}
            packed = (row[-1] for row in rows if row[-1])
            for entry, n in Counter(e for p in packed for e in p.split(FACET_SEP)).items():
                field_name = names.get(entry[0])
                if field_name is not None:
                    counts[field_name][entry[1:]] = n
        return len(rows), counts

    def store(self, session: Session, items: Sequence[tuple[int, IndexTexts]]) -> None:
        if not items:
            return
        session.execute(
            text(
                f"INSERT INTO {FTS_TABLE}(rowid, title, body, keys) "
                "VALUES (:rowid, :title, :body, :keys)"
            ),
            [
                {"rowid": doc_id, "title": t.title, "body": t.body, "keys": t.keys}
                for doc_id, t in items
            ],
        )
        repo.store_sources(session, items)

    def unstore(self, session: Session, doc_id: int) -> None:
        stored = repo.load_source(session, doc_id)
        if stored is None:
            return
        # Contentless FTS5: 'delete' must be given exactly the values that were indexed.
        session.execute(
            text(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body, keys) "
                "VALUES ('delete', :rowid, :title, :body, :keys)"
            ),
            {"rowid": doc_id, "title": stored.title, "body": stored.body, "keys": stored.keys},
        )
        repo.delete_source(session, doc_id)

    def clear(self, session: Session) -> None:
        repo.delete_source(session)
        session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')"))
