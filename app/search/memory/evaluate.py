"""Answering a compiled search from a `MemoryIndex`: matches, facets, a page.

Same semantics as the database backends (one test suite runs all of them): a term is a
phrase of index tokens (`app.search.text.query_tokens`), matched through the token and pair
bitmaps, with the token streams as the last word where they cannot decide (see index.py).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import repeat
from operator import contains

import numpy as np
from numpy.typing import NDArray
from pyroaring import BitMap

from app.search.backend import TextMatch
from app.search.memory.index import EPOCH, MemoryIndex, TextView, pair_key
from app.search.memory.recent import Recent
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
        tokens = list(term.tokens)
        prefix = tokens.pop()[:-1] if tokens and tokens[-1].endswith(PREFIX_MARK) else None
        chars: list[str] = []
        for token in tokens:
            ch = index.vocabulary.known(token)
            if ch is None:
                return BitMap()
            chars.append(ch)
        view = index.view(title=title)
        links = self._links(view, chars, prefix, title)
        if links is None:
            return BitMap()
        if within is not None:
            links.append(within)
        if not links:
            return BitMap(index.all)
        candidates = _intersect(links)
        # Inner tokens held once by a document pin its pairs together: certain matches.
        inner = chars[1:] if prefix is not None else chars[1:-1]
        repeated = [view.repeated[c] for c in map(ord, inner) if c in view.repeated]
        if not inner or not repeated:
            return candidates
        unsure = candidates & BitMap.union(*repeated)
        if not unsure:
            return candidates
        needle = "".join(chars)
        slots = unsure.to_array()
        texts: Iterable[str] = map(index.streams.__getitem__, slots)
        if title:
            ends = index.title_length.data
            texts = (text[: ends[slot]] for slot, text in zip(slots, texts, strict=True))
        # All in C: the check runs once per unsure document, up to ~100,000 of them.
        if prefix is None:
            hits: Iterable[object] = map(contains, texts, repeat(needle))
        else:
            # The needle, then any token starting with the prefix.
            followers = index.vocabulary.by_prefix.get(prefix, ())
            pattern = re.escape(needle) + "[" + "".join(re.escape(chr(c)) for c in followers) + "]"
            hits = map(re.compile(pattern).search, texts)
        confirmed = list(itertools.compress(slots, hits))
        return (candidates - unsure) | BitMap(confirmed)

    def _links(
        self, view: TextView, chars: list[str], prefix: str | None, title: bool
    ) -> list[BitMap] | None:
        """Bitmaps whose intersection holds the term's candidates: the token alone, or each
        adjacent pair; None when one is empty (nothing can match)."""
        index = self.index
        if not chars:
            found = index.prefixed(prefix, title=title) if prefix else BitMap(index.all)
            return [found] if found else None
        if len(chars) == 1 and prefix is None:
            single = view.postings.get(ord(chars[0]))
            return [single] if single else None
        links: list[BitMap] = []
        for first, second in itertools.pairwise(chars):
            pair = view.pairs.get(pair_key(first, second))
            if pair is None:
                return None
            links.append(pair)
        if prefix is not None:
            # The last token and any token starting with the prefix.
            last = chars[-1]
            followers = index.vocabulary.by_prefix.get(prefix, ())
            keys = (pair_key(last, chr(code)) for code in followers)
            after = [view.pairs[k] for k in keys if k in view.pairs]
            if not after:
                return None
            links.append(BitMap.union(*after))
        return links

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


# A multi-valued facet is counted value by value (cardinality of the value's bitmap AND the
# counted set, ~4 us each at a million documents) when it has few values for the documents to
# count, else in numpy over those documents' entries (a gather and a bincount, ~0.1-0.2 us per
# document, bench/results/search-api-2026-12-01-s5.txt): by rows when the documents to count
# are fewer than ROWS_PER_VALUE per value. Single-valued facets are always one gather and
# bincount over a column. Either way, when the result holds most documents the ones outside
# it are counted instead and taken from the totals.
ENUM_MAX_VALUES = 512
ROWS_PER_VALUE = 16
# Facet counts of the last RECENT result sets per index and generation: a repeated search
# (the same query, a page past the first, browsing without a query, where the result is
# everything the actor may see) counts nothing. Looked up by the result's size and bounds and
# confirmed by bitmap equality (exact; a few microseconds even at a million documents).
RECENT = 64


_recent: Recent[tuple[BitMap, dict[str, dict[str, int]]]] = Recent(RECENT)


def facet_counts(
    index: MemoryIndex, result: BitMap, single: list[str], multi: list[str]
) -> dict[str, dict[str, int]]:
    """Facet value counts over `result`: facet field -> value -> documents (values with none
    left out). The inner dicts may be shared with later calls: do not modify them."""
    names = single + multi
    key = (len(result), result.min(), result.max()) if result else (0, 0, 0)
    entry = _recent.get(index, key)
    known = entry[1] if entry is not None and entry[0] == result else {}
    missing = [name for name in names if name not in known]
    if not missing:
        return {name: known[name] for name in names}
    merged = {**known, **_count(index, result, missing)}
    _recent.put(index, key, (entry[0] if entry is not None and known else BitMap(result), merged))
    return {name: merged[name] for name in names}


def _count(index: MemoryIndex, result: BitMap, names: list[str]) -> dict[str, dict[str, int]]:
    # Over the documents outside the result when they are fewer (totals minus those).
    outside = len(result) * 2 > len(index.all)
    counted = index.all - result if outside else result
    counts: dict[str, dict[str, int]] = {}
    by_rows: list[str] = []
    for name in names:
        facet = index.single.get(name) or index.multi[name]
        values = facet.values.values
        if (
            name in index.single
            or len(values) > ENUM_MAX_VALUES
            or len(counted) < ROWS_PER_VALUE * len(values)
        ):
            by_rows.append(name)
            continue
        found: dict[str, int] = {}
        totals = facet.totals
        for code, value in enumerate(values):
            docs = index.value_docs(name, value)
            n = docs.intersection_cardinality(counted) if docs else 0
            if outside:
                n = int(totals[code]) - n
            if n:
                found[value] = n
        counts[name] = found
    if by_rows:
        slots = as_array(counted)
        for name in by_rows:
            facet = index.single.get(name) or index.multi[name]
            tally = facet.count(slots)
            counts[name] = facet.named(facet.totals - tally if outside else tally)
    return counts


def to_datetime(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))


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
