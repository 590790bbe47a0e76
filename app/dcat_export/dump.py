"""The full N-Triples dump (gzip) from the read model: each public dataset's stored, already
compressed N-Triples (`dataset_rendering.dcat_nt_dump`, see app.readmodel.render.DumpForm),
concatenated in id order from keyset batches of short transactions. No dataset goes through
the ORM unless its stored form is missing or was rendered with another DCAT context; those are
rendered afresh on the way.

The output is one gzip member (RFC 1952) whose deflate stream is the stored fragments (each
dataset's own triples and the root catalogue's `dcat:dataset` link to it) and, per batch, one
fragment compressed here of the shared-node lines not written yet; the CRC-32 is combined
from the fragments' stored CRCs. It holds the same triple set as the mapped export
(`service.export_chunks`): the root catalogue, its measures and categories, each public
dataset's triples and link, each shared node described once. Memory stays flat: one batch at
a time, plus the set of shared lines written, which is bounded by the reference data
(publishers, licences, concepts), not by the catalogue.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
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
from app.dcat.stream import NTriplesWriter
from app.dcat_export import repository as repo
from app.dcat_export import service as svc
from app.models import Dataset
from app.models import DatasetRendering as R
from app.readmodel import render

DUMP_BATCH = 2000
# gzip member header: deflate, no name, no mtime (the bytes depend on the data only), OS unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# An empty final deflate block (what a raw deflate compressor's flush of nothing gives).
_FINAL_BLOCK = b"\x03\x00"


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
        zeros = _zeros(size)
        self.crc = zlib.crc32(zeros, self.crc) ^ _zeros_crc(size) ^ crc
        self.size += size


def _header(sessions: sessionmaker[Session], ctx: Context) -> bytes:
    out = Emission()
    with session_scope(sessions) as session:
        documents.root_catalog(ctx, out, measures=svc.measures(session))
        documents.category_scheme(ctx, out, svc.categories(session))
    return NTriplesWriter(ctx.plan_ns).chunk(out.take()).encode("utf-8")


def _public_rendered(
    session: Session, ctx: Context, digest: str, after: str, limit: int
) -> list[tuple[str, bytes]]:
    """(id, stored dump form) of the next public datasets with a stored row, after `after` in
    id order (visibility on the row's copies of state/private, kept in the writer's
    transaction); a row made with another context is rendered afresh here."""
    rows = session.execute(
        select(R.dataset_id, R.dcat_nt_dump, R.dcat_context)
        .where(R.state == "active", R.private.is_(False), R.dataset_id > after)
        .order_by(R.dataset_id)
        .limit(limit)
    ).all()
    stale = [r.dataset_id for r in rows if r.dcat_nt_dump is None or r.dcat_context != digest]
    fresh = {ds.id: render.dcat_nt_dump(dataset_out(ds), ctx) for ds in repo.by_ids(session, stale)}
    return [
        (r.dataset_id, fresh[r.dataset_id] if r.dataset_id in fresh else bytes(r.dcat_nt_dump))
        for r in rows
        if r.dataset_id in fresh or r.dcat_nt_dump is not None
    ]


def _public_unrendered(
    session: Session, ctx: Context, after: str, limit: int
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
    return [(ds.id, render.dcat_nt_dump(dataset_out(ds), ctx)) for ds in repo.by_ids(session, ids)]


def _batches(
    sessions: sessionmaker[Session], ctx: Context, batch: int
) -> Iterator[list[tuple[str, bytes]]]:
    digest = render.context_digest(ctx)
    for rendered in (True, False):
        after = ""
        while True:
            with session_scope(sessions) as session:
                rows = (
                    _public_rendered(session, ctx, digest, after, batch)
                    if rendered
                    else _public_unrendered(session, ctx, after, batch)
                )
            if not rows:
                break
            after = rows[-1][0]
            yield rows


def gzip_ntriples(
    sessions: sessionmaker[Session], ctx: Context, *, batch: int = DUMP_BATCH
) -> Iterator[tuple[int, bytes]]:
    """The gzip file of the dump, in pieces, each with how many datasets it adds."""
    crc = _Crc()
    header = _header(sessions, ctx)
    crc.add_raw(header)
    yield 0, _GZIP_HEADER + render.deflate_fragment(header)
    written: set[bytes] = set(header.splitlines(keepends=True))
    for rows in _batches(sessions, ctx, batch):
        parts: list[bytes] = []
        extra: list[bytes] = []
        for _dataset_id, stored in rows:
            form = render.dump_form(stored)
            parts.append(form.fragment)
            crc.add_crc(form.crc, form.size)
            for line in form.shared.splitlines(keepends=True):
                if line not in written:
                    written.add(line)
                    extra.append(line)
        tail = b"".join(extra)
        crc.add_raw(tail)
        parts.append(render.deflate_fragment(tail))
        yield len(rows), b"".join(parts)
    yield 0, _FINAL_BLOCK + struct.pack("<II", crc.crc, crc.size & 0xFFFFFFFF)
