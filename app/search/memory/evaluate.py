"""Answering a compiled search from a `MemoryIndex`: matches, facets, a page.

Same semantics as the database backends (one test suite runs all three): a term is a
phrase of index tokens (`app.search.text.query_tokens`); the bitmaps of its tokens give
candidates, and the token streams confirm adjacency for terms of more than one token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from pyroaring import BitMap

from app.search.backend import TextMatch
from app.search.memory.index import _EPOCH, MemoryIndex
from app.search.query import AnyOf, Clause, Term
from app.search.text import PREFIX_MARK

# Sorts a memory index pages by itself (the others go to the database): sort -> (column,
# descending). Relevance is newest first within each tier.
SORT_COLUMNS = {
    "relevance": ("modified", True),
    "metadata_modified desc": ("modified", True),
    "metadata_modified asc": ("modified", False),
    "metadata_created desc": ("created", True),
    "metadata_created asc": ("created", False),
}


def _intersect(bitmaps: list[BitMap]) -> BitMap:
    bitmaps = sorted(bitmaps, key=len)
    result = BitMap(bitmaps[0])
    for bitmap in bitmaps[1:]:
        if not result:
            break
        result &= bitmap
    return result


class Matcher:
    """Evaluates terms and matches against one index (its caches live for one search)."""

    def __init__(self, index: MemoryIndex) -> None:
        self.index = index
        self._cache: dict[tuple[Term, bool], BitMap] = {}

    def term(self, term: Term, *, title: bool = False, within: BitMap | None = None) -> BitMap:
        """Documents in which `term` occurs (in the title only if `title`).

        `within` limits the phrase check to those documents (the result is then only exact
        inside `within`, and not cached)."""
        key = (term, title)
        cached = self._cache.get(key)
        if cached is not None:
            return cached if within is None else cached & within
        result = self._term(term, title, within)
        if within is None:
            self._cache[key] = result
        return result

    def _term(self, term: Term, title: bool, within: BitMap | None) -> BitMap:
        index = self.index
        postings = index.title_postings if title else index.postings
        tokens = list(term.tokens)
        prefix = tokens.pop()[:-1] if tokens and tokens[-1].endswith(PREFIX_MARK) else None
        chars: list[str] = []
        bitmaps: list[BitMap] = []
        for token in tokens:
            ch = index.vocabulary.known(token)
            if ch is None or ord(ch) not in postings:
                return BitMap()
            chars.append(ch)
            bitmaps.append(postings[ord(ch)])
        if prefix is not None:
            prefixed = index.prefixed(prefix, title=title)
            if not prefixed:
                return BitMap()
            bitmaps.append(prefixed)
        if within is not None:
            bitmaps.append(within)
        if not bitmaps:
            return BitMap(index.all)
        candidates = _intersect(bitmaps)
        if len(tokens) + (prefix is not None) <= 1:
            return candidates  # one token: its bitmap is exact
        needle = "".join(chars)
        text_of: Callable[[int], str] = index.title_part if title else index.streams.__getitem__
        if prefix is None:
            return BitMap([slot for slot in candidates if needle in text_of(slot)])
        return BitMap([s for s in candidates if self._prefixed(text_of(s), needle, prefix)])

    def _prefixed(self, text: str, needle: str, prefix: str) -> bool:
        """`needle` followed by a token starting with `prefix`."""
        token_of = self.index.vocabulary.token_of
        at = text.find(needle)
        while at >= 0:
            end = at + len(needle)
            if end < len(text) and token_of(text[end]).startswith(prefix):
                return True
            at = text.find(needle, at + 1)
        return False

    def clause(
        self, clause: Clause, *, title: bool = False, within: BitMap | None = None
    ) -> BitMap:
        if isinstance(clause, AnyOf):
            result = BitMap()
            for term in clause.terms:
                result |= self.term(term, title=title, within=within)
            return result
        return self.term(clause, title=title, within=within)

    def keys(self, tokens: tuple[str, ...]) -> BitMap:
        """Documents holding any of the filter/visibility tokens."""
        result = BitMap()
        for token in tokens:
            ch = self.index.vocabulary.known(token)
            if ch is not None and ord(ch) in self.index.postings:
                result |= self.index.postings[ord(ch)]
        return result

    def match(self, match: TextMatch) -> BitMap:
        """Documents matching `match` (an empty match: every document)."""
        # Cheap sets first (filters, visibility, single-token terms), then the phrase checks
        # only inside what is left.
        sets = [self.keys(group) for group in match.keys_all]
        phrases: list[Clause] = []
        for clause in match.query.positive:
            terms = clause.terms if isinstance(clause, AnyOf) else (clause,)
            if all(len(t.tokens) <= 1 for t in terms):
                sets.append(self.clause(clause))
            else:
                phrases.append(clause)
        result = _intersect(sets) if sets else BitMap(self.index.all)
        for clause in phrases:
            result &= self.clause(clause, within=result)
        for term in match.query.negative:
            result -= self.term(term, within=result)
        if match.keys_none:
            result -= self.keys(match.keys_none)
        return result


def as_array(bitmap: BitMap) -> NDArray[np.uint32]:
    return np.frombuffer(bitmap.to_array(), dtype=np.uint32) if bitmap else np.zeros(0, np.uint32)


def facet_counts(
    index: MemoryIndex, result: BitMap, single: list[str], multi: list[str]
) -> dict[str, dict[str, int]]:
    slots = as_array(result)
    counts = {name: index.single[name].count(slots) for name in single}
    counts.update({name: index.multi[name].count(slots) for name in multi})
    return counts


def to_datetime(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(value))


def ordered(
    index: MemoryIndex, docs: BitMap, column: str, descending: bool, limit: int
) -> list[int]:
    """The first `limit` slots of `docs` by (column, dataset id), both in one direction."""
    if limit <= 0 or not docs:
        return []
    slots = as_array(docs)
    values = getattr(index, column).data[slots]
    keys = -values if descending else values
    if len(slots) > limit:
        # Everything up to the limit-th key, ties included; the dataset id orders the rest.
        cut = np.partition(keys, limit - 1)[limit - 1]
        chosen = keys <= cut
        slots, values = slots[chosen], values[chosen]
    ids = index.dataset_ids
    pairs = sorted(
        zip(values.tolist(), slots.tolist(), strict=True),
        key=lambda vs: (vs[0], ids[vs[1]]),
        reverse=descending,
    )
    return [slot for _value, slot in pairs[:limit]]


def after(
    index: MemoryIndex, docs: BitMap, column: str, descending: bool, value: int, dataset_id: str
) -> BitMap:
    """The documents strictly after (value, dataset_id) in the order."""
    slots = as_array(docs)
    values = getattr(index, column).data[slots]
    beyond = values < value if descending else values > value
    keep = BitMap(slots[beyond].tolist())
    ids = index.dataset_ids
    for slot in slots[values == value].tolist():
        if (ids[slot] < dataset_id) if descending else (ids[slot] > dataset_id):
            keep.add(slot)
    return keep
