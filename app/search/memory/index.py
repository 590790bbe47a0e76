"""The in-memory search index: token bitmaps, token streams, facet and sort columns.

Documents are addressed by `search_doc.doc_id` (a "slot"; never reused by the database).

* Every index token of a document (title, body and filter/visibility keys, exactly what
  the database's full-text index holds, from `search_source`) has a roaring bitmap of the
  documents that contain it; title tokens have their own bitmaps (the relevance tier). A
  1-character query is a prefix query: the union of the bitmaps of the bigrams starting
  with that character (the vocabulary lists them).
* Phrases need positions, which bitmaps lack. Adjacent token pairs have bitmaps too, so a
  2-token phrase (a 3-character word) is one exact lookup; a longer one is the AND of its
  pairs, which is exact wherever its inner tokens occur once in the document (each pins the
  pairs on both sides to one place). Documents holding an inner token more than once are
  checked against their token stream: title and body tokens as a string with one
  character per token, where the phrase is a substring. That is the adjacency rule the
  database indexes apply to token positions, so both answer identically.
* Facet values and sort keys are numpy columns indexed by slot, so counting a result set
  is a gather plus `bincount` instead of a pass over rows.

Not thread-safe by itself: `registry` serialises access.
"""

from __future__ import annotations

import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

import numpy as np
from numpy.typing import NDArray
from pyroaring import BitMap

from app.search.documents import (
    FACET_SEP,
    FILTER_CODES,
    MULTI_VALUED,
    SINGLE_VALUED,
    IndexTexts,
    filter_token,
)

# Token ids become characters; code points in the surrogate block are skipped.
_SURROGATES: Final = range(0xD800, 0xE000)
_MAX_ID: Final = 0x10FFFF - len(_SURROGATES)
# Between the title and the body in a stream: no query token ever maps to it.
_TITLE_END: Final = "\x00"
_PREFIX_LEN: Final = 6  # "b" + the 5 hex digits of a bigram's first character
EPOCH: Final = datetime(1970, 1, 1)


class VocabularyFull(RuntimeError):
    """More distinct tokens than characters to spell them: the memory index gives up."""


def micros(value: datetime) -> int:
    """Naive-UTC timestamp -> microseconds since 1970 (exact, unlike float seconds)."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class DocRow:
    """What the memory index keeps of one `search_doc` row and its `search_source`."""

    doc_id: int
    dataset_id: str
    title_exact: str
    modified: datetime
    created: datetime
    single: dict[str, str | None]
    packed_facets: str
    texts: IndexTexts
    # search_doc.generation: lets a snapshot be checked against the database (`snapshot`).
    generation: int = 0


class _Vocabulary:
    """Index token -> character (the token's id as a code point, surrogates skipped)."""

    def __init__(self) -> None:
        self.chars: dict[str, str] = {}
        # Bigram prefix ("b" + 5 hex digits) -> code points of the tokens starting with it.
        self.by_prefix: dict[str, list[int]] = {}

    def _new(self, token: str) -> str:
        token_id = len(self.chars) + 1  # id 0 is never a token (it is _TITLE_END)
        if token_id > _MAX_ID:
            raise VocabularyFull(f"more than {_MAX_ID} distinct index tokens")
        ch = chr(token_id if token_id < _SURROGATES.start else token_id + len(_SURROGATES))
        self.chars[token] = ch
        if token.startswith("b"):
            self.by_prefix.setdefault(token[:_PREFIX_LEN], []).append(ord(ch))
        return ch

    def spell(self, tokens: str) -> str:
        """Space-separated tokens as a string of their characters (new tokens get one)."""
        chars = self.chars
        words = tokens.split()
        try:
            return "".join([chars[t] for t in words])
        except KeyError:
            return "".join([chars.get(t) or self._new(t) for t in words])

    def known(self, token: str) -> str | None:
        return self.chars.get(token)


class _Growing:
    """A numpy array of integers indexed by slot that grows on demand (doubling)."""

    def __init__(self, dtype: type[np.signedinteger[Any]], fill: int) -> None:
        self.fill = fill
        self.data: NDArray[np.signedinteger[Any]] = np.full(1024, fill, dtype=dtype)

    def reserve(self, slot: int) -> None:
        if slot >= len(self.data):
            size = max(slot + 1, 2 * len(self.data))
            grown = np.full(size, self.fill, dtype=self.data.dtype)
            grown[: len(self.data)] = self.data
            self.data = grown


class _Values:
    """Facet value <-> small integer code."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = len(self.values)
            self.codes[value] = code
            self.values.append(value)
        return code


def _ranges(starts: NDArray[np.int64], counts: NDArray[np.int32]) -> NDArray[np.int64]:
    """The positions starts[i] .. starts[i] + counts[i] - 1, for every i, concatenated."""
    total = int(counts.sum())
    skip = np.repeat(np.cumsum(counts) - counts, counts)
    positions: NDArray[np.int64] = np.repeat(starts, counts) + np.arange(total) - skip
    return positions


class _Facet:
    """Value codes, and how many documents hold each value (kept up to date, so counting a
    result that holds most documents counts the few outside it instead)."""

    def __init__(self) -> None:
        self.values = _Values()
        self.totals = np.zeros(64, dtype=np.int64)

    def _tally(self, codes: NDArray[Any], sign: int) -> None:
        if len(self.values.values) > len(self.totals):
            grown = np.zeros(2 * len(self.values.values), dtype=np.int64)
            grown[: len(self.totals)] = self.totals
            self.totals = grown
        np.add.at(self.totals, codes, sign)

    def named(self, counts: NDArray[np.int64]) -> dict[str, int]:
        values = self.values.values
        return {values[c]: int(counts[c]) for c in np.flatnonzero(counts[: len(values)])}


class _SingleFacet(_Facet):
    def __init__(self) -> None:
        super().__init__()
        self.codes = _Growing(np.int32, -1)

    def set(self, slots: Sequence[int], values: Sequence[str | None]) -> None:
        self.codes.reserve(max(slots))
        index = np.asarray(slots, dtype=np.int64)
        old = self.codes.data[index]
        new = np.array([-1 if v is None else self.values.code(v) for v in values], dtype=np.int32)
        self._tally(old[old >= 0], -1)
        self._tally(new[new >= 0], 1)
        self.codes.data[index] = new

    def count(self, slots: NDArray[np.uint32]) -> NDArray[np.int64]:
        codes = self.codes.data[slots]
        return np.bincount(codes[codes >= 0], minlength=len(self.totals))


class _MultiFacet(_Facet):
    """Entries (slot, code) in one array, each slot's live entries contiguous at
    start[slot] (count[slot] of them): an update appends and strands the old entries,
    which are compacted away when they pile up."""

    def __init__(self) -> None:
        super().__init__()
        self.start = _Growing(np.int64, 0)
        self.count_of = _Growing(np.int32, 0)
        self.live = 0
        self.size = 0
        self.entry_slot = np.zeros(1024, dtype=np.int64)
        self.entry_code = np.zeros(1024, dtype=np.int32)

    def set(self, slots: Sequence[int], values: Sequence[Sequence[str]]) -> None:
        """Replace the values of each slot (`slots` distinct)."""
        self.start.reserve(max(slots))
        self.count_of.reserve(max(slots))
        index = np.asarray(slots, dtype=np.int64)
        old = _ranges(self.start.data[index], self.count_of.data[index])
        self._tally(self.entry_code[old], -1)
        counts = np.array([len(v) for v in values], dtype=np.int32)
        codes = np.array([self.values.code(v) for vs in values for v in vs], dtype=np.int32)
        self._tally(codes, 1)
        self.live += len(codes) - len(old)
        self.start.data[index] = self.size + np.cumsum(counts) - counts
        self.count_of.data[index] = counts
        self._append(np.repeat(index, counts), codes)
        if self.size > 4096 and self.size > 2 * self.live:
            self._compact()

    def _append(self, slots: NDArray[np.int64], codes: NDArray[np.int32]) -> None:
        end = self.size + len(codes)
        if end > len(self.entry_slot):
            size = max(end, 2 * len(self.entry_slot))
            for name in ("entry_slot", "entry_code"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[: self.size] = old[: self.size]
                setattr(self, name, grown)
        self.entry_slot[self.size : end] = slots
        self.entry_code[self.size : end] = codes
        self.size = end

    def _compact(self) -> None:
        positions = np.arange(self.size)
        slots = self.entry_slot[: self.size]
        first = self.start.data[slots]
        keep = (positions >= first) & (positions < first + self.count_of.data[slots])
        self.entry_slot = self.entry_slot[: self.size][keep].copy()
        self.entry_code = self.entry_code[: self.size][keep].copy()
        self.size = len(self.entry_slot)
        kept = self.entry_slot
        heads = np.flatnonzero(np.concatenate(([True], kept[1:] != kept[:-1])))
        self.start.data[kept[heads]] = heads

    def count(self, slots: NDArray[np.uint32]) -> NDArray[np.int64]:
        index = slots.astype(np.int64)
        entries = _ranges(self.start.data[index], self.count_of.data[index])
        return np.bincount(self.entry_code[entries], minlength=len(self.totals))


def _code_points(text: str) -> NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def _codes(text: str) -> NDArray[np.uint32]:
    """The distinct code points of `text` (token characters), _TITLE_END excluded."""
    codes = np.unique(_code_points(text))
    return codes[codes != 0] if len(codes) and codes[0] == 0 else codes


def _group(
    postings: dict[int, BitMap], keys: NDArray[np.int64], members: NDArray[np.uint32]
) -> None:
    """Add members[i] to the bitmap of keys[i] (`keys` sorted): one update per key."""
    starts = np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1))
    ends = np.append(starts[1:], len(keys))
    for key, a, b in zip(keys[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        chunk = array.array("I", members[a:b].tobytes())
        bitmap = postings.get(key)
        if bitmap is None:
            postings[key] = BitMap(chunk)
        else:
            bitmap.update(chunk)


def _post(
    postings: dict[int, BitMap],
    per_row: list[NDArray[np.uint32]],
    slots: NDArray[np.uint32],
    repeated: dict[int, BitMap] | None = None,
) -> None:
    """Add each row's slot to the bitmaps of its codes (and, with `repeated`, to the
    bitmaps of the codes it holds more than once)."""
    counts = [len(c) for c in per_row]
    if not sum(counts):
        return
    pairs = np.concatenate(per_row).astype(np.uint64) << np.uint64(32)
    pairs |= np.repeat(slots, counts).astype(np.uint64)
    pairs.sort()  # by code, then slot (sorting beats np.unique's hashing here)
    pairs = pairs[pairs >= np.uint64(1 << 32)]  # code 0 is _TITLE_END
    again = pairs[1:] == pairs[:-1]
    if repeated is not None and again.any():
        twice = np.unique(pairs[1:][again])
        _group(repeated, (twice >> np.uint64(32)).astype(np.int64), twice.astype(np.uint32))
    pairs = pairs[np.concatenate(([True], ~again))]
    _group(postings, (pairs >> np.uint64(32)).astype(np.int64), pairs.astype(np.uint32))


def pair_key(first: str, second: str) -> int:
    """Key of two adjacent token characters (code points < 2**21)."""
    return (ord(first) << 21) | ord(second)


def _pair_keys(stream: NDArray[np.uint32]) -> NDArray[np.int64]:
    first, second = stream[:-1].astype(np.int64), stream[1:].astype(np.int64)
    keys: NDArray[np.int64] = (first << 21) | second
    inside: NDArray[np.int64] = keys[(first != 0) & (second != 0)]
    return inside


def _post_pairs(
    postings: dict[int, BitMap], per_row: list[NDArray[np.int64]], slots: NDArray[np.uint32]
) -> None:
    counts = [len(k) for k in per_row]
    if not sum(counts):
        return
    keys = np.concatenate(per_row)
    order = np.argsort(keys, kind="stable")
    _group(postings, keys[order], np.repeat(slots, counts)[order])


def _unpost(postings: dict[int, BitMap], codes: NDArray[Any], slot: int) -> None:
    for code in codes.tolist():
        bitmap = postings.get(int(code))
        if bitmap is not None:
            bitmap.discard(slot)
            if not bitmap:
                del postings[code]


class TextView(NamedTuple):
    """The bitmaps of one searchable part: title and body, or the title alone."""

    postings: dict[int, BitMap]
    pairs: dict[int, BitMap]
    repeated: dict[int, BitMap]


class MemoryIndex:
    def __init__(self, epoch: int, generation: int) -> None:
        self.epoch = epoch
        self.generation = generation
        self.vocabulary = _Vocabulary()
        # Bitmaps by token code point (see _Vocabulary): all columns, and the title alone.
        self.postings: dict[int, BitMap] = {}
        self.title_postings: dict[int, BitMap] = {}
        # Adjacent token pairs of title/body (pair_key), and the tokens a document holds more
        # than once: a phrase whose pairs all occur is certain when its inner tokens occur
        # once each (they pin the pairs together); only the others need the stream check.
        self.pairs: dict[int, BitMap] = {}
        self.repeated: dict[int, BitMap] = {}
        self.title_pairs: dict[int, BitMap] = {}
        self.title_repeated: dict[int, BitMap] = {}
        self.all = BitMap()
        # Per slot: title + _TITLE_END + body tokens, one character each; the keys.
        self.streams: dict[int, str] = {}
        self.keys: dict[int, str] = {}
        self.title_length = _Growing(np.int32, 0)
        self.exact_titles: dict[str, BitMap] = {}
        self.title_exact: dict[int, str] = {}
        self.dataset_ids: dict[int, str] = {}
        self.modified = _Growing(np.int64, 0)
        self.created = _Growing(np.int64, 0)
        self.generations = _Growing(np.int64, 0)
        self.single = {name: _SingleFacet() for name in SINGLE_VALUED}
        self.multi = {name: _MultiFacet() for name in MULTI_VALUED}
        self._multi_codes = {FILTER_CODES[name]: name for name in MULTI_VALUED}
        self._value_chars: dict[tuple[str, str], str] = {}

    def __len__(self) -> int:
        return len(self.all)

    # ----------------------------------------------------------------------- writes

    def add(self, rows: Sequence[DocRow]) -> None:
        """Index documents (replacing what the index held for their slots)."""
        for row in rows:
            self.remove(row.doc_id)
        if not rows:
            return
        codes: list[NDArray[np.uint32]] = []
        title_codes: list[NDArray[np.uint32]] = []
        pairs: list[NDArray[np.int64]] = []
        title_pairs: list[NDArray[np.int64]] = []
        for row in rows:
            slot = row.doc_id
            title = self.vocabulary.spell(row.texts.title)
            stream = title + _TITLE_END + self.vocabulary.spell(row.texts.body)
            keys = self.vocabulary.spell(row.texts.keys)
            self.streams[slot] = stream
            self.keys[slot] = keys
            stream_codes = _code_points(stream)
            codes.append(np.concatenate((stream_codes, _code_points(keys))))
            title_codes.append(stream_codes[: len(title)])
            pairs.append(_pair_keys(stream_codes))
            title_pairs.append(_pair_keys(title_codes[-1]))
            self._columns(row, len(title))
        slots = np.array([row.doc_id for row in rows], dtype=np.uint32)
        _post(self.postings, codes, slots, self.repeated)
        _post(self.title_postings, title_codes, slots, self.title_repeated)
        _post_pairs(self.pairs, pairs, slots)
        _post_pairs(self.title_pairs, title_pairs, slots)
        self.all.update(array.array("I", slots.tobytes()))
        self._facets(rows)

    def _columns(self, row: DocRow, title_length: int) -> None:
        slot = row.doc_id
        for column in (self.title_length, self.modified, self.created, self.generations):
            column.reserve(slot)
        self.title_length.data[slot] = title_length
        self.generations.data[slot] = row.generation
        self.modified.data[slot] = micros(row.modified)
        self.created.data[slot] = micros(row.created)
        self.dataset_ids[slot] = row.dataset_id
        self.title_exact[slot] = row.title_exact
        exact = self.exact_titles.get(row.title_exact)
        if exact is None:
            self.exact_titles[row.title_exact] = exact = BitMap()
        exact.add(slot)

    def _facets(self, rows: Sequence[DocRow]) -> None:
        slots = [row.doc_id for row in rows]
        for name, facet in self.single.items():
            facet.set(slots, [row.single.get(name) for row in rows])
        grouped: dict[str, list[list[str]]] = {name: [] for name in MULTI_VALUED}
        for row in rows:
            for values in grouped.values():
                values.append([])
            for entry in row.packed_facets.split(FACET_SEP) if row.packed_facets else ():
                field_name = self._multi_codes.get(entry[:1])
                if field_name is not None:
                    grouped[field_name][-1].append(entry[1:])
        for field_name, values in grouped.items():
            self.multi[field_name].set(slots, values)

    def remove(self, slot: int) -> None:
        if slot not in self.all:
            return
        stream = self.streams.pop(slot)
        keys = self.keys.pop(slot)
        _unpost(self.postings, _codes(stream + keys), slot)
        _unpost(self.repeated, _codes(stream + keys), slot)
        _unpost(self.pairs, np.unique(_pair_keys(_code_points(stream))), slot)
        title = _code_points(stream[: int(self.title_length.data[slot])])
        _unpost(self.title_postings, np.unique(title), slot)
        _unpost(self.title_repeated, np.unique(title), slot)
        _unpost(self.title_pairs, np.unique(_pair_keys(title)), slot)
        title_exact = self.title_exact.pop(slot)
        exact = self.exact_titles[title_exact]
        exact.discard(slot)
        if not exact:
            del self.exact_titles[title_exact]
        del self.dataset_ids[slot]
        self.all.discard(slot)
        for single in self.single.values():
            single.set([slot], [None])
        for multi in self.multi.values():
            multi.set([slot], [()])

    def view(self, *, title: bool) -> TextView:
        if title:
            return TextView(self.title_postings, self.title_pairs, self.title_repeated)
        return TextView(self.postings, self.pairs, self.repeated)

    def value_docs(self, field_name: str, value: str) -> BitMap | None:
        """Documents with `value` in facet `field_name` (its filter token's bitmap)."""
        key = (field_name, value)
        ch = self._value_chars.get(key)
        if ch is None:
            ch = self.vocabulary.known(filter_token(field_name, value))
            if ch is None:
                return None
            self._value_chars[key] = ch
        return self.postings.get(ord(ch))

    def prefixed(self, prefix: str, *, title: bool = False) -> BitMap:
        """Documents holding a token that starts with `prefix` (a 1-character query)."""
        postings = self.title_postings if title else self.postings
        found = [postings[c] for c in self.vocabulary.by_prefix.get(prefix, ()) if c in postings]
        return BitMap.union(*found) if found else BitMap()
