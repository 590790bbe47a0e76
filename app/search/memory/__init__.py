"""In-memory search: the same answers as the database's full-text index, at a million rows.

At 1,000,000 datasets a database answers a 2-character query with facets in seconds: the
GIN or FTS5 lookup yields hundreds of thousands of rows that must then be read, checked
and grouped (BASELINES.md: counting, not matching, is the wall). Roaring bitmaps per token
and numpy facet columns answer the same search in milliseconds, so each process keeps
one, loaded from `search_source` and kept exact by the index generation
(`registry`). The database index stays the record, answers whenever the memory index
cannot (not loaded yet, a session with uncommitted index writes, column conditions such
as date ranges, title/name/id sorts), and both are held to the same test suite.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from pyroaring import BitMap
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.search.backend import TextMatch
from app.search.compile import Compiled, facet_columns, rank_facets
from app.search.cursor import decode_cursor, encode_cursor
from app.search.documents import visibility_groups
from app.search.memory.evaluate import SORT_COLUMNS, Matcher, after, facet_counts, ordered
from app.search.memory.evaluate import to_datetime as _to_datetime
from app.search.memory.index import MemoryIndex, micros
from app.search.memory.recent import Recent
from app.search.memory.registry import configure, ready, status, stop, warm
from app.search.params import SearchParams, SearchResult

__all__ = ["can_serve", "configure", "search", "served", "status", "stop", "warm"]

# Searches answered from memory in this process (tests check the path they meant to test).
served = Counter[str]()
# The last results per index generation (app.search.memory.recent): Solr's query result cache,
# exact because any index write moves the generation and a search catches up first.
RESULTS = 256
_results: Recent[SearchResult] = Recent(RESULTS)


def can_serve(params: SearchParams, compiled: Compiled) -> bool:
    """The search is one a memory index answers (once loaded and caught up)."""
    return not compiled.conditions and params.sort in SORT_COLUMNS


def search(
    session: Session, actor: Actor, params: SearchParams, compiled: Compiled
) -> SearchResult | None:
    """The search answered from memory, or None when the database must answer it."""
    if not can_serve(params, compiled):
        return None
    with ready(session) as index:
        if index is None:
            return None
        result = _search(index, actor, params, compiled)
    served["memory"] += 1
    return result


def _search(
    index: MemoryIndex, actor: Actor, params: SearchParams, compiled: Compiled
) -> SearchResult:
    groups = visibility_groups(
        actor.sysadmin,
        actor.readable_org_ids(),
        include_private=params.include_private,
        include_drafts=params.include_drafts,
    )
    match = compiled.match.requiring(groups)
    # Everything the answer depends on (visibility is in `match`): a search repeated before the
    # index moves is answered from the last results (a copy: callers may change theirs).
    key = (
        match,
        compiled.exact_title,
        compiled.facet_fields,
        compiled.facet_limit,
        compiled.facet_mincount,
        params.sort,
        params.start,
        params.rows,
        params.cursor,
    )
    known = _results.get(index, key)
    if known is None:
        known = _evaluate(index, match, params, compiled)
        _results.put(index, key, known)
    return replace(known, ids=list(known.ids), facets={k: list(v) for k, v in known.facets.items()})


def _evaluate(
    index: MemoryIndex, match: TextMatch, params: SearchParams, compiled: Compiled
) -> SearchResult:
    matcher = Matcher(index)
    found = matcher.match(match)
    facets: dict[str, list[tuple[str, int]]] = {}
    if compiled.facet_fields:
        single, multi = facet_columns(compiled)
        facets = rank_facets(facet_counts(index, found, single, multi), compiled)
    ids, next_cursor = _page(index, matcher, found, params, compiled)
    return SearchResult(count=len(found), ids=ids, facets=facets, next_cursor=next_cursor)


def _page(
    index: MemoryIndex,
    matcher: Matcher,
    found: BitMap,
    params: SearchParams,
    compiled: Compiled,
) -> tuple[list[str], str | None]:
    """Like the database path (`service._page`): tiers for relevance, keyset cursors else."""
    column, descending = SORT_COLUMNS[params.sort]
    column_name = "metadata_modified" if column == "modified" else "metadata_created"
    positive = compiled.match.query.positive
    tiered = params.sort == "relevance" and bool(positive)
    offset = params.start
    docs = found
    if params.cursor:
        columns = None if tiered else [column_name, "dataset_id"]
        position = decode_cursor(params.cursor, params.sort, columns)
        if isinstance(position, int):
            offset = position
        else:
            moment, last_id = position
            if isinstance(moment, str) or not isinstance(last_id, str):
                raise TypeError("a keyset cursor of a date sort holds (datetime, id)")
            docs = after(index, found, column, descending, micros(moment), last_id)
            offset = 0
    rows = params.rows
    if rows == 0 or not found:
        return [], None
    need = offset + rows + 1
    tiers = _tiers(index, matcher, found, compiled) if tiered else [docs]
    slots: list[int] = []
    for tier in tiers:
        slots += ordered(index, tier, column, descending, need - len(slots))
        if len(slots) >= need:
            break
    page = slots[offset:need]
    more = len(page) > rows
    page = page[:rows]
    ids = [index.dataset_ids[slot] for slot in page]
    if not more or not page:
        return ids, None
    if tiered:
        return ids, encode_cursor(params.sort, offset=offset + len(page))
    last = page[-1]
    moment = _to_datetime(int(getattr(index, column).data[last]))
    return ids, encode_cursor(params.sort, values=[moment, index.dataset_ids[last]])


def _tiers(index: MemoryIndex, matcher: Matcher, found: BitMap, compiled: Compiled) -> list[BitMap]:
    """Exact title, then every term in the title, then the rest (see compile.relevance_tiers)."""
    in_title = BitMap(found)
    for clause in compiled.match.query.positive:
        in_title = matcher.clause(clause, title=True, within=in_title)
    if not compiled.exact_title:
        return [in_title, found - in_title]
    exact = index.exact_titles.get(compiled.exact_title, BitMap()) & found
    return [exact, in_title - exact, found - in_title - exact]
