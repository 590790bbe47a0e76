"""The in-memory search index: token bitmaps, token streams, facet and sort columns.

Documents are addressed by `search_doc.doc_id` (a "slot"; never reused by the database).

* Every index token of a document (title, body and filter/visibility keys, exactly what
  the database's full-text index holds, from `search_source`) has a roaring bitmap of the
  documents that contain it; title tokens have their own bitmaps (the relevance tier). A
  1-character query is a prefix query: the union of the bitmaps of the bigrams starting
  with that character (the vocabulary lists them).
* Phrases need positions, which bitmaps lack: each document keeps its title and body
  tokens as a string with one character per token (the token's id), so a phrase is a
  substring test on the candidates the bitmaps leave. That is the same adjacency rule the
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
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from pyroaring import BitMap

from app.search.documents import FACET_SEP, FILTER_CODES, MULTI_VALUED, SINGLE_VALUED, IndexTexts

# Token ids become characters; code points in the surrogate block are skipped.
_SURROGATES: Final = range(0xD800, 0xE000)
_MAX_ID: Final = 0x10FFFF - len(_SURROGATES)
# Between the title and the body in a stream: no query token ever maps to it.
_TITLE_END: Final = "\x00"
_PREFIX_LEN: Final = 6  # "b" + the 5 hex digits of a bigram's first character
_EPOCH: Final = datetime(1970, 1, 1)


class VocabularyFull(RuntimeError):
    """More distinct tokens than characters to spell them: the memory index gives up."""


def micros(value: datetime) -> int:
    """Naive-UTC timestamp -> microseconds since 1970 (exact, unlike float seconds)."""
    delta = value - _EPOCH
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


class _Vocabulary:
    """Index token <-> character (the token's id as a code point, surrogates skipped)."""

    def __init__(self) -> None:
        self.chars: dict[str, str] = {}
        self.tokens: list[str] = [""]  # id 0 is never a token (it is _TITLE_END)
        # Bigram prefix ("b" + 5 hex digits) -> code points of the tokens starting with it.
        self.by_prefix: dict[str, list[int]] = {}

    def _new(self, token: str) -> str:
        token_id = len(self.tokens)
        if token_id > _MAX_ID:
            raise VocabularyFull(f"more than {_MAX_ID} distinct index tokens")
        ch = chr(token_id if token_id < _SURROGATES.start else token_id + len(_SURROGATES))
        self.chars[token] = ch
        self.tokens.append(token)
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

    def token_of(self, ch: str) -> str:
        code = ord(ch)
        return self.tokens[code if code < _SURROGATES.start else code - len(_SURROGATES)]


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


class _SingleFacet:
    def __init__(self) -> None:
        self.values = _Values()
        self.codes = _Growing(np.int32, -1)

    def set(self, slots: Sequence[int], values: Sequence[str | None]) -> None:
        self.codes.reserve(max(slots))
        codes = [-1 if v is None else self.values.code(v) for v in values]
        self.codes.data[np.asarray(slots, dtype=np.int64)] = codes

    def count(self, slots: NDArray[np.uint32]) -> dict[str, int]:
        codes = self.codes.data[slots]
        counts = np.bincount(codes[codes >= 0], minlength=len(self.values.values))
        return {self.values.values[c]: int(counts[c]) for c in np.flatnonzero(counts)}


class _MultiFacet:
    """Entries (slot, code); an entry is live while its version is its slot's version, so an
    update appends new entries and strands the old ones (compacted when they pile up)."""

    def __init__(self) -> None:
        self.values = _Values()
        self.slot_version = _Growing(np.int32, 0)
        self.slot_count = _Growing(np.int32, 0)
        self.live = 0
        self.size = 0
        self.entry_slot = np.zeros(1024, dtype=np.int64)
        self.entry_code = np.zeros(1024, dtype=np.int32)
        self.entry_version = np.zeros(1024, dtype=np.int32)

    def set(self, slots: Sequence[int], values: Sequence[Sequence[str]]) -> None:
        """Replace the values of each slot (`slots` distinct)."""
        self.slot_version.reserve(max(slots))
        self.slot_count.reserve(max(slots))
        index = np.asarray(slots, dtype=np.int64)
        self.slot_version.data[index] += 1
        counts = np.array([len(v) for v in values], dtype=np.int32)
        self.live += int(counts.sum()) - int(self.slot_count.data[index].sum())
        self.slot_count.data[index] = counts
        codes = [self.values.code(v) for vs in values for v in vs]
        if codes:
            entry_slots = np.repeat(index, counts)
            self._append(entry_slots, codes, self.slot_version.data[entry_slots])
        if self.size > 4096 and self.size > 2 * self.live:
            keep = self._alive()
            for name in ("entry_slot", "entry_code", "entry_version"):
                setattr(self, name, getattr(self, name)[: self.size][keep].copy())
            self.size = int(keep.sum())

    def _append(self, slots: NDArray[np.int64], codes: list[int], versions: NDArray[Any]) -> None:
        end = self.size + len(codes)
        if end > len(self.entry_slot):
            size = max(end, 2 * len(self.entry_slot))
            for name in ("entry_slot", "entry_code", "entry_version"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[: self.size] = old[: self.size]
                setattr(self, name, grown)
        self.entry_slot[self.size : end] = slots
        self.entry_code[self.size : end] = codes
        self.entry_version[self.size : end] = versions
        self.size = end

    def _alive(self) -> NDArray[np.bool_]:
        slots = self.entry_slot[: self.size]
        alive: NDArray[np.bool_] = self.entry_version[: self.size] == self.slot_version.data[slots]
        return alive

    def count(self, slots: NDArray[np.uint32]) -> dict[str, int]:
        member = np.zeros(len(self.slot_version.data), dtype=np.bool_)
        member[slots] = True
        entries = self.entry_slot[: self.size]
        chosen = member[entries] & self._alive()
        codes = self.entry_code[: self.size][chosen]
        counts = np.bincount(codes, minlength=len(self.values.values))
        return {self.values.values[c]: int(counts[c]) for c in np.flatnonzero(counts)}


def _code_points(text: str) -> NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def _codes(text: str) -> NDArray[np.uint32]:
    """The distinct code points of `text` (token characters), _TITLE_END excluded."""
    codes = np.unique(_code_points(text))
    return codes[codes != 0] if len(codes) and codes[0] == 0 else codes


def _post(
    postings: dict[int, BitMap], per_row: list[NDArray[np.uint32]], slots: NDArray[np.uint32]
) -> None:
    """Add each row's slot to the bitmaps of its codes: one bitmap update per code."""
    counts = [len(c) for c in per_row]
    if not sum(counts):
        return
    pairs = np.concatenate(per_row).astype(np.uint64) << np.uint64(32)
    pairs |= np.repeat(slots, counts).astype(np.uint64)
    pairs.sort()  # by code, then slot (sorting beats np.unique's hashing here)
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    codes = (pairs >> np.uint64(32)).astype(np.uint32)
    members = (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(codes)) + 1))
    ends = np.append(starts[1:], len(codes))
    for code, a, b in zip(codes[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        if code == 0:  # _TITLE_END
            continue
        chunk = array.array("I", members[a:b].tobytes())
        bitmap = postings.get(code)
        if bitmap is None:
            postings[code] = BitMap(chunk)
        else:
            bitmap.update(chunk)


def _unpost(postings: dict[int, BitMap], codes: NDArray[np.uint32], slot: int) -> None:
    for code in codes.tolist():
        bitmap = postings.get(code)
        if bitmap is not None:
            bitmap.discard(slot)
            if not bitmap:
                del postings[code]


class MemoryIndex:
    def __init__(self, epoch: int, generation: int) -> None:
        self.epoch = epoch
        self.generation = generation
        self.vocabulary = _Vocabulary()
        # Bitmaps by token code point (see _Vocabulary): all columns, and the title alone.
        self.postings: dict[int, BitMap] = {}
        self.title_postings: dict[int, BitMap] = {}
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
        self.single = {name: _SingleFacet() for name in SINGLE_VALUED}
        self.multi = {name: _MultiFacet() for name in MULTI_VALUED}
        self._multi_codes = {FILTER_CODES[name]: name for name in MULTI_VALUED}

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
        for row in rows:
            slot = row.doc_id
            title = self.vocabulary.spell(row.texts.title)
            stream = title + _TITLE_END + self.vocabulary.spell(row.texts.body)
            keys = self.vocabulary.spell(row.texts.keys)
            self.streams[slot] = stream
            self.keys[slot] = keys
            codes.append(_code_points(stream + keys))
            title_codes.append(_code_points(title))
            self._columns(row, len(title))
        slots = np.array([row.doc_id for row in rows], dtype=np.uint32)
        _post(self.postings, codes, slots)
        _post(self.title_postings, title_codes, slots)
        self.all.update(array.array("I", slots.tobytes()))
        self._facets(rows)

    def _columns(self, row: DocRow, title_length: int) -> None:
        slot = row.doc_id
        for column in (self.title_length, self.modified, self.created):
            column.reserve(slot)
        self.title_length.data[slot] = title_length
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
        _unpost(self.title_postings, _codes(stream[: int(self.title_length.data[slot])]), slot)
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

    def prefixed(self, prefix: str, *, title: bool = False) -> BitMap:
        """Documents holding a token that starts with `prefix` (a 1-character query)."""
        postings = self.title_postings if title else self.postings
        found = [postings[c] for c in self.vocabulary.by_prefix.get(prefix, ()) if c in postings]
        return BitMap.union(*found) if found else BitMap()

    # ----------------------------------------------------------------------- reads

    def title_part(self, slot: int) -> str:
        return self.streams[slot][: int(self.title_length.data[slot])]
