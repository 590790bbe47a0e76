"""SearchParams -> what the queries need: a full-text match, column conditions, the order.

Validation lives here: anything a user can get wrong (query syntax, unknown fields or
sorts, bad paging values) becomes a `SearchQueryError` with a message that says what to do.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, not_, true

from app.errors import SearchQueryError
from app.models.search import SearchDoc
from app.search.backend import SearchBackend, TextMatch
from app.search.documents import (
    FILTER_CODES,
    MULTI_VALUED,
    SINGLE_VALUED,
    exact_key,
    filter_token,
)
from app.search.params import (
    FACET_FIELDS,
    FILTER_FIELDS,
    RANGE_FIELDS,
    SORTS,
    FieldFilter,
    RangeFilter,
    SearchParams,
)
from app.search.query import AnyOf, Clause, Query, QuerySyntaxError, Term, check_size, parse
from app.search.repository import OrderKey

MAX_ROWS = 1000
# CKAN's field names for text: searched as plain text (all text fields are searched anyway).
TEXT_ALIASES = frozenset({"title", "notes", "text"})
# Filters answered by index tokens (documents.filter_token); groups is category or measure.
_TOKEN_FIELDS = frozenset(FILTER_CODES)
_CAPACITIES = frozenset({"public", "private"})
# Sort field -> search_doc column.
_SORT_COLUMNS = {
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "title": "title_key",
    "name": "name",
    "id": "dataset_id",
}


@dataclass(frozen=True)
class Compiled:
    match: TextMatch
    conditions: tuple[ColumnElement[bool], ...]
    sort: str
    exact_title: str | None
    facet_fields: tuple[str, ...]
    facet_limit: int
    facet_mincount: int


# Filter values a search may hold in all (each is an index key or an SQL condition): ~1,200
# `-name:` clauses overflowed SQLite's expression tree ("Expression tree is too large", a 500)
# and 50,000 `tags:` alternatives PostgreSQL's stack (found by a fresh helper).
MAX_FILTER_VALUES = 500


def _fail(message: str, field: str) -> SearchQueryError:
    return SearchQueryError(message, {field: [message]})


def _text_filter(query: Query, alias: FieldFilter) -> Query:
    """`title:保育` and friends: plain text terms."""
    terms = tuple(t for t in (Term(v, quoted=True) for v in alias.values) if t.tokens)
    if not terms:
        return query
    if alias.negate:
        return Query(query.positive, query.negative + terms, query.filters)
    clause: Clause = terms[0] if len(terms) == 1 else AnyOf(terms)
    return Query((*query.positive, clause), query.negative, query.filters)


def _tokens(f: FieldFilter) -> tuple[str, ...]:
    if f.field == "groups":
        # A group is a category (by name) or a measure (by id).
        return tuple(filter_token(kind, v) for v in f.values for kind in ("category", "measure"))
    return tuple(filter_token(f.field, v) for v in f.values)


def _column_condition(f: FieldFilter) -> ColumnElement[bool]:
    if f.field == "id":
        return SearchDoc.dataset_id.in_(f.values)
    if f.field == "name":
        return SearchDoc.name.in_(f.values)
    unknown = set(f.values) - _CAPACITIES
    if unknown:
        raise _fail(f"capacity is 'public' or 'private', not {sorted(unknown)[0]!r}", "capacity")
    return SearchDoc.private.in_(sorted({v == "private" for v in f.values}))


def _range_condition(r: RangeFilter) -> ColumnElement[bool]:
    if r.field not in RANGE_FIELDS:
        raise _fail(
            f"cannot filter {r.field!r} by range: use {' or '.join(sorted(RANGE_FIELDS))}",
            r.field,
        )
    column = getattr(SearchDoc, r.field)
    bounds: list[ColumnElement[bool]] = []
    if r.start is not None:
        bounds.append(column >= r.start)
    if r.end is not None:
        bounds.append(column <= r.end)
    condition = and_(true(), *bounds)
    return not_(condition) if r.negate else condition


def _check_paging(params: SearchParams) -> None:
    if params.start < 0:
        raise _fail("start must be 0 or more", "start")
    if not 0 <= params.rows <= MAX_ROWS:
        raise _fail(f"rows must be between 0 and {MAX_ROWS}", "rows")
    if params.sort not in SORTS:
        raise _fail(
            f"cannot sort by {params.sort!r}: use one of {', '.join(sorted(SORTS))}", "sort"
        )
    unknown = [f for f in params.facet_fields if f not in FACET_FIELDS]
    if unknown:
        raise _fail(
            f"no facet {unknown[0]!r}: use one of {', '.join(sorted(FACET_FIELDS))}",
            "facet.field",
        )


def compile_params(params: SearchParams) -> Compiled:
    _check_paging(params)
    try:
        parsed = parse(params.q or "", FILTER_FIELDS | TEXT_ALIASES)
    except QuerySyntaxError as exc:
        error = SearchQueryError(f"Cannot parse query: {exc}", {"q": [str(exc)]})
        error.syntax = exc
        raise error from None
    query = Query(parsed.positive, parsed.negative)
    filters = list(params.filters)
    for parsed_filter in parsed.filters:
        alias = FieldFilter(parsed_filter.field, parsed_filter.values, parsed_filter.negated)
        if alias.field in TEXT_ALIASES:
            query = _text_filter(query, alias)
        else:
            filters.append(alias)
    try:
        check_size(query)  # title:/notes:/text: filters added terms after parse checked
    except QuerySyntaxError as exc:
        error = SearchQueryError(f"Cannot search: {exc}", {"q": [str(exc)]})
        error.syntax = exc
        raise error from None
    values = sum(len(f.values) for f in filters) + len(params.ranges)
    if values > MAX_FILTER_VALUES:
        raise _fail(
            f"The search has {values} filter values (fq and field:value in q); at most "
            f"{MAX_FILTER_VALUES} are allowed. Remove some",
            "fq",
        )
    keys_all: list[tuple[str, ...]] = []
    keys_none: list[str] = []
    conditions: list[ColumnElement[bool]] = []
    for f in filters:
        if f.field not in FILTER_FIELDS:
            raise _fail(
                f"cannot filter by {f.field!r}: use one of {', '.join(sorted(FILTER_FIELDS))}",
                f.field,
            )
        if not f.values or any(v == "" for v in f.values):
            raise _fail(f"empty value for filter {f.field!r}", f.field)
        if f.field in _TOKEN_FIELDS or f.field == "groups":
            if f.negate:
                keys_none.extend(_tokens(f))
            else:
                keys_all.append(_tokens(f))
        else:
            condition = _column_condition(f)
            conditions.append(not_(condition) if f.negate else condition)
    conditions += [_range_condition(r) for r in params.ranges]
    exact: str | None = None
    if query.positive and all(isinstance(c, Term) for c in query.positive):
        exact = exact_key(" ".join(c.text for c in query.positive if isinstance(c, Term)))
    return Compiled(
        match=TextMatch(query, tuple(keys_all), tuple(dict.fromkeys(keys_none))),
        conditions=tuple(conditions),
        sort=params.sort,
        exact_title=exact or None,
        facet_fields=tuple(dict.fromkeys(params.facet_fields)),
        facet_limit=params.facet_limit,
        facet_mincount=params.facet_mincount,
    )


def order_for(compiled: Compiled) -> list[OrderKey]:
    """ORDER BY keys (all columns, so paging can use a keyset). Ties are broken by dataset
    id, in the direction of the sort, so pages never overlap or skip. Relevance orders
    newest first within each tier (`relevance_tiers`)."""
    sort = "metadata_modified desc" if compiled.sort == "relevance" else compiled.sort
    field, direction = sort.split()
    column = _SORT_COLUMNS[field]
    descending = direction == "desc"
    keys = [OrderKey(getattr(SearchDoc, column).expression, descending, column)]
    if column != "dataset_id":
        keys.append(OrderKey(SearchDoc.dataset_id.expression, descending, "dataset_id"))
    return keys


def relevance_tiers(compiled: Compiled, backend: SearchBackend) -> list[ColumnElement[bool]] | None:
    """Conditions of the relevance tiers, best first; None when the sort has no tiers.

    relevance = the exact title first, then documents whose title matches every term, then
    the rest. Each tier is fetched on its own, newest first, so every query can stop after
    a page instead of ranking the whole result set.
    """
    positive = compiled.match.query.positive
    if compiled.sort != "relevance" or not positive:
        return None
    # Title matches are few: they drive their tier (matches() alone gets the "broad" hint).
    in_title = backend.title_matches(positive)
    if not compiled.exact_title:
        return [in_title, not_(in_title)]
    exact = SearchDoc.title_exact == compiled.exact_title
    return [exact, and_(in_title, not_(exact)), and_(not_(in_title), not_(exact))]


def facet_columns(compiled: Compiled) -> tuple[list[str], list[str]]:
    """(single-valued, multi-valued) facet fields to count; "groups" needs category and
    measure."""
    wanted = compiled.facet_fields
    single: list[str] = [f for f in SINGLE_VALUED if f in wanted]
    multi: list[str] = [
        f
        for f in MULTI_VALUED
        if f in wanted or ("groups" in wanted and f in ("category", "measure"))
    ]
    return single, multi


def rank_facets(
    counts: dict[str, dict[str, int]], compiled: Compiled
) -> dict[str, list[tuple[str, int]]]:
    """Facet counts as asked: most frequent first (ties by value), mincount and limit."""
    if "groups" in compiled.facet_fields:
        counts = {**counts, "groups": {**counts.get("category", {}), **counts.get("measure", {})}}
    result: dict[str, list[tuple[str, int]]] = {}
    for name in compiled.facet_fields:
        pairs = [kv for kv in counts.get(name, {}).items() if kv[1] >= compiled.facet_mincount]
        if 0 <= compiled.facet_limit < len(pairs):
            result[name] = heapq.nsmallest(compiled.facet_limit, pairs, key=_facet_order)
        else:
            result[name] = sorted(pairs, key=_facet_order)
    return result


def _facet_order(pair: tuple[str, int]) -> tuple[int, str]:
    return -pair[1], pair[0]
