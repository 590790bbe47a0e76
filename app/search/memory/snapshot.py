"""Snapshot files of a `MemoryIndex`: a process starts from one instead of reading every row.

A full load tokenises and posts every `search_source` row (262 s at 1,000,000 datasets);
a snapshot holds the finished structures, so loading it is reading arrays and bitmaps.
The process then catches up from the snapshot's generation with `loader.catch_up`, like
any index that fell behind (`registry`).

Layout (little-endian)::

    MAGIC | sections ... | header (JSON) | u32 header length | u32 crc32(header) | MAGIC

The header holds the format version, the database identity, the index epoch and
generation, the CRC-32 of all section bytes, and where each section is. Sections are
`.npy` arrays read with `np.load(allow_pickle=False)`, roaring bitmaps in their portable
serialisation, and UTF-16 text: nothing in the file can run code, and a file that fails
any check raises `SnapshotInvalid` (the caller ignores it and loads from the database).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import numpy as np
import orjson
from numpy.typing import NDArray
from pyroaring import BitMap
from sqlalchemy import URL

from app.search.documents import MULTI_VALUED, SINGLE_VALUED
from app.search.memory.index import (
    MemoryIndex,
    _Growing,
    _MultiFacet,
    _SingleFacet,
    _Values,
)

FORMAT_VERSION: Final = 1
MAGIC: Final = b"CATMIDX\x00"
_TRAILER: Final = struct.Struct("<II")  # header length, crc32(header)
_BITMAP_FIELDS: Final = (
    "postings",
    "title_postings",
    "pairs",
    "repeated",
    "title_pairs",
    "title_repeated",
)
_GROWING_FIELDS: Final = ("title_length", "modified", "created", "generations")


class SnapshotInvalid(ValueError):
    """The file is not a usable snapshot for this database and index (the message says why)."""


def database_identity(url: URL) -> str:
    """A stable id of the database a URL points at (password left out): 16 hex digits."""
    text = url.render_as_string(hide_password=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_path(setting: str, url: URL) -> Path | None:
    """Where the snapshot of `url`'s index lives: `setting` if given ("off": nowhere),
    else next to a SQLite file (`<file>.search-snapshot`), else under ./var/."""
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database).resolve().with_name(Path(database).name + ".search-snapshot")
    return Path("var").resolve() / f"search-snapshot-{database_identity(url)}"


# --------------------------------------------------------------------------- writing


class _Writer:
    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.offset = len(MAGIC)
        self.crc = 0
        self.sections: dict[str, tuple[int, int]] = {}
        fh.write(MAGIC)

    def raw(self, name: str, data: bytes | memoryview) -> None:
        self.fh.write(data)
        self.crc = zlib.crc32(data, self.crc)
        self.sections[name] = (self.offset, len(data))
        self.offset += len(data)

    def array(self, name: str, values: NDArray[Any]) -> None:
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(values), allow_pickle=False)
        self.raw(name, buffer.getbuffer())

    def texts(self, name: str, strings: list[str]) -> None:
        self.array(name + ".len", np.fromiter(map(len, strings), np.int64, len(strings)))
        self.raw(name, "".join(strings).encode("utf-16-le"))

    def bitmaps(self, name: str, bitmaps: dict[int, BitMap]) -> None:
        blobs = [bitmap.serialize() for bitmap in bitmaps.values()]
        self.array(name + ".keys", np.fromiter(bitmaps.keys(), np.int64, len(bitmaps)))
        self.array(name + ".size", np.fromiter(map(len, blobs), np.int64, len(blobs)))
        self.raw(name, b"".join(blobs))


def _encode(index: MemoryIndex, out: _Writer) -> dict[str, int]:
    """Write the sections of `index`; returns the counters that go into the header."""
    slots = [int(s) for s in index.all]
    out.raw("all", index.all.serialize())
    out.texts("vocabulary", list(index.vocabulary.chars))
    for name in _BITMAP_FIELDS:
        out.bitmaps(name, getattr(index, name))
    out.texts("streams", [index.streams[s] for s in slots])
    out.texts("keys", [index.keys[s] for s in slots])
    out.texts("title_exact", [index.title_exact[s] for s in slots])
    out.texts("dataset_ids", [index.dataset_ids[s] for s in slots])
    for name in _GROWING_FIELDS:
        out.array(name, getattr(index, name).data)
    counters = {}
    for name, single in index.single.items():
        out.texts(f"single.{name}.values", single.values.values)
        out.array(f"single.{name}.totals", single.totals)
        out.array(f"single.{name}.codes", single.codes.data)
    for name, multi in index.multi.items():
        out.texts(f"multi.{name}.values", multi.values.values)
        out.array(f"multi.{name}.totals", multi.totals)
        out.array(f"multi.{name}.start", multi.start.data)
        out.array(f"multi.{name}.count", multi.count_of.data)
        out.array(f"multi.{name}.entry_slot", multi.entry_slot[: multi.size])
        out.array(f"multi.{name}.entry_code", multi.entry_code[: multi.size])
        counters[f"multi.{name}.live"] = multi.live
    return counters


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[bool]:
    """Hold `<path>.lock` (True) unless another process does (False, at once): of several
    workers checkpointing at the same time, one writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def stage(index: MemoryIndex, path: Path, database: str) -> Path:
    """Write `index` to a temporary file beside `path` (flushed, not yet in place); returns
    it for `publish`. The index must not change meanwhile (the caller holds its lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with open(temporary, "wb") as fh:
            out = _Writer(fh)
            counters = _encode(index, out)
            header = orjson.dumps(
                {
                    "format": FORMAT_VERSION,
                    "database": database,
                    "epoch": index.epoch,
                    "generation": index.generation,
                    "documents": len(index),
                    "body_crc32": out.crc,
                    "body_end": out.offset,
                    "counters": counters,
                    "sections": out.sections,
                }
            )
            fh.write(header)
            fh.write(_TRAILER.pack(len(header), zlib.crc32(header)))
            fh.write(MAGIC)
            fh.flush()
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def publish(temporary: Path, path: Path) -> int:
    """fsync the staged file and move it over `path` atomically; returns its size in bytes."""
    try:
        with open(temporary, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return path.stat().st_size


def write(index: MemoryIndex, path: Path, database: str) -> int:
    """Write a snapshot of `index` to `path` atomically (temp file, fsync, rename); bytes."""
    return publish(stage(index, path, database), path)


# --------------------------------------------------------------------------- reading


def _parse_header(first: bytes, suffix: bytes, total: int) -> dict[str, Any]:
    """The checked header, from the file's first bytes and a suffix of it (of `total`
    bytes) that holds at least the header and what follows it."""
    end = len(suffix) - len(MAGIC)
    if first[: len(MAGIC)] != MAGIC or end < _TRAILER.size or suffix[end:] != MAGIC:
        raise SnapshotInvalid("not a memory-index snapshot (magic bytes)")
    size, crc = _TRAILER.unpack_from(suffix, end - _TRAILER.size)
    start = end - _TRAILER.size - size
    if start < 0 or total - len(suffix) + start < len(MAGIC):
        raise SnapshotInvalid("header length out of range")
    raw = suffix[start : start + size]
    if zlib.crc32(raw) != crc:
        raise SnapshotInvalid("header checksum mismatch")
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SnapshotInvalid(f"header unreadable: {exc}") from exc
    if not isinstance(parsed, dict):
        raise SnapshotInvalid("header is not an object")
    if parsed.get("format") != FORMAT_VERSION:
        raise SnapshotInvalid(
            f"format {parsed.get('format')!r}, this version reads {FORMAT_VERSION}"
        )
    if parsed.get("body_end") != total - len(suffix) + start:
        raise SnapshotInvalid("truncated or padded body")
    return parsed


def peek(path: Path) -> dict[str, Any] | None:
    """The header of the snapshot at `path` (None: missing or not a snapshot); reads only
    its ends, not the body (which `read` checks)."""
    try:
        with open(path, "rb") as fh:
            first = fh.read(len(MAGIC))
            total = fh.seek(0, os.SEEK_END)
            tail = _TRAILER.size + len(MAGIC)
            if total < len(MAGIC) + tail:
                return None
            fh.seek(total - tail)
            size, _crc = _TRAILER.unpack(fh.read(_TRAILER.size))
            fh.seek(max(0, total - tail - size))
            return _parse_header(first, fh.read(), total)
    except (OSError, SnapshotInvalid):
        return None


class _Reader:
    def __init__(self, data: bytes, sections: dict[str, Any]) -> None:
        self.data = data
        self.sections = sections

    def raw(self, name: str) -> bytes:
        try:
            offset, length = self.sections[name]
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotInvalid(f"section {name} missing") from exc
        return self.data[offset : offset + length]

    def array(self, name: str, dtype: type[np.generic]) -> NDArray[Any]:
        try:
            values: NDArray[Any] = np.load(io.BytesIO(self.raw(name)), allow_pickle=False)
        except ValueError as exc:
            raise SnapshotInvalid(f"section {name}: {exc}") from exc
        if values.dtype != np.dtype(dtype) or values.ndim != 1:
            raise SnapshotInvalid(f"section {name}: {values.dtype}[{values.ndim}], not {dtype}")
        return values

    def texts(self, name: str) -> list[str]:
        lengths = self.array(name + ".len", np.int64)
        text = self.raw(name).decode("utf-16-le")
        if len(text) != int(lengths.sum()):
            raise SnapshotInvalid(f"section {name}: text and lengths disagree")
        ends = np.cumsum(lengths).tolist()
        return [text[a:b] for a, b in zip(_starts(ends), ends, strict=True)]

    def bitmaps(self, name: str) -> dict[int, BitMap]:
        keys = self.array(name + ".keys", np.int64).tolist()
        sizes = self.array(name + ".size", np.int64)
        blob = self.raw(name)
        if len(keys) != len(sizes) or int(sizes.sum()) != len(blob):
            raise SnapshotInvalid(f"section {name}: keys, sizes and bytes disagree")
        ends = np.cumsum(sizes).tolist()
        deserialize = BitMap.deserialize
        return {
            k: deserialize(blob[a:b]) for k, a, b in zip(keys, _starts(ends), ends, strict=True)
        }


def _starts(ends: list[int]) -> list[int]:
    return [0, *ends[:-1]] if ends else []


def _growing(values: NDArray[Any], like: _Growing) -> _Growing:
    like.data = values
    return like


def _values(strings: list[str]) -> _Values:
    values = _Values()
    values.values = strings
    values.codes = {value: code for code, value in enumerate(strings)}
    return values


def _decode(data: bytes, head: dict[str, Any]) -> MemoryIndex:
    sections = head.get("sections")
    counters = head.get("counters")
    if not isinstance(sections, dict) or not isinstance(counters, dict):
        raise SnapshotInvalid("header without sections")
    read = _Reader(data, sections)
    index = MemoryIndex(int(head["epoch"]), int(head["generation"]))
    index.all = BitMap.deserialize(read.raw("all"))
    slots = [int(s) for s in index.all]
    for token in read.texts("vocabulary"):
        index.vocabulary._new(token)
    for name in _BITMAP_FIELDS:
        setattr(index, name, read.bitmaps(name))
    per_slot = {
        name: read.texts(name) for name in ("streams", "keys", "title_exact", "dataset_ids")
    }
    if any(len(strings) != len(slots) for strings in per_slot.values()):
        raise SnapshotInvalid("per-document sections disagree with the document set")
    index.streams = dict(zip(slots, per_slot["streams"], strict=True))
    index.keys = dict(zip(slots, per_slot["keys"], strict=True))
    index.title_exact = dict(zip(slots, per_slot["title_exact"], strict=True))
    index.dataset_ids = dict(zip(slots, per_slot["dataset_ids"], strict=True))
    exact = index.exact_titles
    for slot, title in index.title_exact.items():
        bitmap = exact.get(title)
        if bitmap is None:
            exact[title] = bitmap = BitMap()
        bitmap.add(slot)
    top = slots[-1] if slots else -1
    for name in _GROWING_FIELDS:
        column: _Growing = getattr(index, name)
        values = read.array(name, column.data.dtype.type)
        if len(values) <= top:
            raise SnapshotInvalid(f"section {name} shorter than the documents")
        _growing(values, column)
    for name in SINGLE_VALUED:
        single = _SingleFacet()
        single.values = _values(read.texts(f"single.{name}.values"))
        single.totals = read.array(f"single.{name}.totals", np.int64)
        single.codes.data = read.array(f"single.{name}.codes", np.int32)
        index.single[name] = single
    for name in MULTI_VALUED:
        multi = _MultiFacet()
        multi.values = _values(read.texts(f"multi.{name}.values"))
        multi.totals = read.array(f"multi.{name}.totals", np.int64)
        multi.start.data = read.array(f"multi.{name}.start", np.int64)
        multi.count_of.data = read.array(f"multi.{name}.count", np.int32)
        multi.entry_slot = read.array(f"multi.{name}.entry_slot", np.int64)
        multi.entry_code = read.array(f"multi.{name}.entry_code", np.int32)
        multi.size = len(multi.entry_slot)
        multi.live = int(counters[f"multi.{name}.live"])
        if len(multi.entry_code) != multi.size:
            raise SnapshotInvalid(f"multi.{name}: entries disagree")
        index.multi[name] = multi
    return index


def read(path: Path, database: str, epoch: int, generation: int) -> MemoryIndex:
    """The index stored at `path`, if it is one of this database's current index epoch at
    or before `generation` (the database's own); raises FileNotFoundError, SnapshotInvalid.
    """
    data = path.read_bytes()
    head = _parse_header(data, data, len(data))
    if head.get("database") != database:
        raise SnapshotInvalid("written for another database")
    if head.get("epoch") != epoch:
        raise SnapshotInvalid("from an older index epoch (the index was rebuilt since)")
    stored = head.get("generation")
    if not isinstance(stored, int) or stored > generation:
        raise SnapshotInvalid(f"generation {stored} is ahead of the database's {generation}")
    if zlib.crc32(memoryview(data)[len(MAGIC) : head["body_end"]]) != head.get("body_crc32"):
        raise SnapshotInvalid("body checksum mismatch")
    try:
        index = _decode(data, head)
    except SnapshotInvalid:
        raise
    except (KeyError, TypeError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise SnapshotInvalid(f"inconsistent contents: {exc!r}") from exc
    if len(index) != head.get("documents"):
        raise SnapshotInvalid("document count disagrees with the header")
    return index
