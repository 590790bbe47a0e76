"""The full dumps (gzip: N-Triples, Turtle, JSON-LD) from the read model: each public dataset's
stored, already compressed text (`dataset_rendering.dcat_{nt,ttl,jsonld}_dump`, see
app.readmodel.render.DumpForm), concatenated in id order from keyset batches of short
transactions. No dataset goes through the ORM unless its stored form is missing or was
rendered with another DCAT context; those are rendered afresh on the way.

The output is one gzip member (RFC 1952) whose deflate stream is: the format's header and the
root catalogue (its measures and categories) compressed here; the stored fragments (each
dataset's own triples and the root catalogue's `dcat:dataset` link to it); per batch, one
fragment compressed here of the shared-node lines not written yet; the footer. The CRC-32 is
combined from the fragments' stored CRCs. It holds the same triple set as the mapped export
(`service.export_chunks`). Memory stays flat: one batch at a time, plus the shared lines
written, which are bounded by the reference data (publishers, licences, concepts), not by the
catalogue.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from functools import lru_cache

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.actor import ANONYMOUS
from app.datasets.convert import dataset_out
from app.datasets.repository import visible_clause
from app.db import session_scope
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import BY_EXT, Format
from app.dcat.stream import NTriplesWriter, writer
from app.dcat_export import repository as repo
from app.dcat_export import service as svc
from app.models import Dataset
from app.models import DatasetRendering as R
from app.readmodel import render

# Rows per keyset batch (one short read transaction each): ~3 kB stored per dataset.
DUMP_BATCH = 5000
# gzip member header: deflate, no name, no mtime (the bytes depend on the data only), OS unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# An empty final deflate block (what a raw deflate compressor's flush of nothing gives).
_FINAL_BLOCK = b"\x03\x00"
_HEAD = struct.Struct(">III")
# Whole shared parts already handled are remembered, up to this many (a few kB each), so the
# common case (the same publisher/licence/concepts as an earlier dataset) skips the per-line
# check.
_SEEN_PARTS_MAX = 4096


@lru_cache(maxsize=1)
def _zero_block() -> bytes:
    return bytes(1 << 20)


def _zeros(size: int) -> memoryview | bytes:
    return memoryview(_zero_block())[:size] if size <= 1 << 20 else bytes(size)


@lru_cache(maxsize=4096)
def _zeros_crc(size: int) -> int:
    return zlib.crc32(_zeros(size))


class _Crc:
    """CRC-32 and length of the uncompressed stream, fed raw bytes or (crc, length) pairs."""

    def __init__(self) -> None:
        self.crc = 0
        self.size = 0

    def add_raw(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)

    def add_crc(self, crc: int, size: int) -> None:
        # CRC-32 is affine over GF(2): crc(A+B) = crc(Z, start=crc(A)) ^ crc(Z) ^ crc(B), with Z
        # len(B) zero bytes (zlib's crc32_combine, which Python does not expose).
        self.crc = zlib.crc32(_zeros(size), self.crc) ^ _zeros_crc(size) ^ crc
        self.size += size


def _header(sessions: sessionmaker[Session], ctx: Context, fmt: Format) -> tuple[bytes, bytes]:
    """The dump's opening text (format header, root catalogue, measures, categories) and the
    same triples as N-Triples lines (to skip shared lines the opening already holds)."""
    out = Emission()
    with session_scope(sessions) as session:
        documents.root_catalog(ctx, out, measures=svc.measures(session))
        documents.category_scheme(ctx, out, svc.categories(session))
    triples = out.take()
    text = writer(fmt, ctx.plan_ns)
    opening = (text.header() + text.chunk(triples)).encode("utf-8")
    return opening, NTriplesWriter(ctx.plan_ns).chunk(triples).encode("utf-8")


def _public_rendered(
    session: Session, ctx: Context, column: str, digest: str, after: str, limit: int
) -> list[tuple[str, bytes]]:
    """(id, stored dump form) of the next public datasets with a stored row, after `after` in
    id order (visibility on the row's copies of state/private, kept in the writer's
    transaction); a row made with another context, or without this form, is rendered afresh."""
    stored = getattr(R, column)
    rows = session.execute(
        select(R.dataset_id, stored, R.dcat_context)
        .where(R.state == "active", R.private.is_(False), R.dataset_id > after)
        .order_by(R.dataset_id)
        .limit(limit)
    ).all()
    stale = [r[0] for r in rows if r[1] is None or r[2] != digest]
    if not stale:
        return [(r[0], r[1]) for r in rows]
    fresh = {
        ds.id: render.dcat_dump_forms(dataset_out(ds), ctx)[column]
        for ds in repo.by_ids(session, stale)
    }
    return [
        (r[0], fresh[r[0]] if r[0] in fresh else r[1])
        for r in rows
        if r[0] in fresh or r[1] is not None
    ]


def _public_unrendered(
    session: Session, ctx: Context, column: str, after: str, limit: int
) -> list[tuple[str, bytes]]:
    """Public datasets without a stored row (written before the read model), rendered afresh."""
    ids = list(
        session.scalars(
            select(Dataset.id)
            .where(visible_clause(ANONYMOUS), Dataset.id > after)
            .where(~exists().where(R.dataset_id == Dataset.id))
            .order_by(Dataset.id)
            .limit(limit)
        )
    )
    return [
        (ds.id, render.dcat_dump_forms(dataset_out(ds), ctx)[column])
        for ds in repo.by_ids(session, ids)
    ]


def _batches(
    sessions: sessionmaker[Session], ctx: Context, column: str, batch: int
) -> Iterator[list[tuple[str, bytes]]]:
    digest = render.context_digest(ctx)
    for rendered in (True, False):
        after = ""
        while True:
            with session_scope(sessions) as session:
                rows = (
                    _public_rendered(session, ctx, column, digest, after, batch)
                    if rendered
                    else _public_unrendered(session, ctx, column, after, batch)
                )
            if not rows:
                break
            after = rows[-1][0]
            yield rows


def _jsonld_member(line: bytes) -> bytes:
    # A shared node object line, as the next member of the "@graph" array.
    return b",\n" + line.rstrip(b"\n")


def gzip_dump(
    sessions: sessionmaker[Session], ctx: Context, fmt: Format, *, batch: int = DUMP_BATCH
) -> Iterator[tuple[int, bytes]]:
    """The gzip file of the dump in `fmt` (nt, ttl or jsonld), in pieces (one per batch of
    datasets, a few MB), each with how many datasets it adds."""
    column = render.DUMP_COLUMNS[fmt.ext]
    as_written: Callable[[bytes], bytes] | None = _jsonld_member if fmt.ext == "jsonld" else None
    crc = _Crc()
    opening, opening_nt = _header(sessions, ctx, fmt)
    crc.add_raw(opening)
    yield 0, _GZIP_HEADER + render.deflate_fragment(opening)
    # Shared lines written so far (N-Triples lines for nt and ttl; node objects for jsonld).
    written: set[bytes] = set(opening_nt.splitlines(keepends=True)) if as_written is None else set()
    seen_parts: set[bytes] = set()
    unpack = _HEAD.unpack_from
    start = _HEAD.size
    add_crc = crc.add_crc
    for rows in _batches(sessions, ctx, column, batch):
        parts: list[bytes] = []
        add = parts.append
        extra: list[bytes] = []
        for _dataset_id, stored in rows:
            part_crc, size, length = unpack(stored)
            add(stored[start : start + length])
            add_crc(part_crc, size)
            shared = stored[start + length :]
            if shared in seen_parts:
                continue
            if len(seen_parts) >= _SEEN_PARTS_MAX:
                seen_parts.clear()
            seen_parts.add(shared)
            for line in shared.splitlines(keepends=True):
                if line not in written:
                    written.add(line)
                    extra.append(line if as_written is None else as_written(line))
        tail = b"".join(extra)
        crc.add_raw(tail)
        add(render.deflate_fragment(tail))
        yield len(rows), b"".join(parts)
    footer = writer(fmt, ctx.plan_ns).footer().encode("utf-8")
    crc.add_raw(footer)
    end = zlib.compressobj(render.DEFLATE_LEVEL, zlib.DEFLATED, -15)
    closing = end.compress(footer) + end.flush(zlib.Z_FINISH) if footer else _FINAL_BLOCK
    yield 0, closing + struct.pack("<II", crc.crc, crc.size & 0xFFFFFFFF)


def gzip_ntriples(
    sessions: sessionmaker[Session], ctx: Context, *, batch: int = DUMP_BATCH
) -> Iterator[tuple[int, bytes]]:
    """The N-Triples dump (see gzip_dump)."""
    return gzip_dump(sessions, ctx, BY_EXT["nt"], batch=batch)
