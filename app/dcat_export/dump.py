"""The full N-Triples dump from the read model: each public dataset's stored N-Triples
(`dataset_rendering.dcat_ntriples`), streamed in id order, keyset batches of short transactions,
gzip-compressed on the way out. No dataset is loaded through the ORM unless its stored form is
missing or was rendered with another DCAT context; those are rendered afresh.

The output is the same triple set as the triple-by-triple export (`service.export_chunks`):
the root catalogue, its measures and categories first, then per dataset its own triples, the
`dcat:dataset` link from the root catalogue, and each shared node's description the first time
one is met. Memory stays flat: a batch at a time, and the set of shared lines written, which is
bounded by the reference data (publishers, licences, concepts), not by the catalogue.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.actor import ANONYMOUS
from app.datasets.convert import dataset_out
from app.datasets.repository import visible_clause
from app.db import session_scope
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.namespaces import DCAT
from app.dcat.stream import FLUSH_BYTES, GZIP_LEVEL, NTriplesWriter
from app.dcat_export import repository as repo
from app.dcat_export import service as svc
from app.models import Dataset
from app.models import DatasetRendering as R
from app.readmodel import render

DUMP_BATCH = 1000


def _header(sessions: sessionmaker[Session], ctx: Context) -> bytes:
    out = Emission()
    with session_scope(sessions) as session:
        documents.root_catalog(ctx, out, measures=svc.measures(session))
        documents.category_scheme(ctx, out, svc.categories(session))
    return NTriplesWriter(ctx.plan_ns).chunk(out.take()).encode("utf-8")


def _batch(
    session: Session, ctx: Context, digest: str, after: str | None, limit: int
) -> list[tuple[str, bytes]]:
    """(id, stored N-Triples) of the next public datasets after `after`; a dataset whose stored
    form is missing or stale is rendered afresh here, in the same transaction."""
    stmt = (
        select(Dataset.id, R.dcat_ntriples, R.dcat_context)
        .outerjoin(R, R.dataset_id == Dataset.id)
        .where(visible_clause(ANONYMOUS))
    )
    if after is not None:
        stmt = stmt.where(Dataset.id > after)
    rows = session.execute(stmt.order_by(Dataset.id).limit(limit)).all()
    found = {
        row.id: bytes(row.dcat_ntriples)
        for row in rows
        if row.dcat_ntriples is not None and row.dcat_context == digest
    }
    missing = [row.id for row in rows if row.id not in found]
    for ds in repo.by_ids(session, missing):
        found[ds.id] = render.dcat_ntriples(dataset_out(ds), ctx)
    return [(row.id, found[row.id]) for row in rows]


def ntriples(
    sessions: sessionmaker[Session], ctx: Context, *, batch: int = DUMP_BATCH
) -> Iterator[tuple[int, bytes]]:
    """The dump as pieces of N-Triples (UTF-8), each with how many datasets it holds."""
    header = _header(sessions, ctx)
    yield 0, header
    written: set[bytes] = set(header.splitlines(keepends=True))
    digest = render.context_digest(ctx)
    link = f"<{ctx.catalog}> <{DCAT.dataset}> <".encode()
    after: str | None = None
    while True:
        with session_scope(sessions) as session:
            rows = _batch(session, ctx, digest, after, batch)
        if not rows:
            return
        after = rows[-1][0]
        parts: list[bytes] = []
        add = parts.append
        for dataset_id, stored in rows:
            own, _mark, shared = stored.partition(render.SHARED_MARK)
            add(own)
            add(link + ctx.dataset(dataset_id).encode() + b"> .\n")
            for line in shared.splitlines(keepends=True):
                if line not in written:
                    written.add(line)
                    add(line)
        yield len(rows), b"".join(parts)


def gzip_pieces(pieces: Iterable[bytes], level: int = GZIP_LEVEL) -> Iterator[bytes]:
    """gzip of a byte stream, in pieces of about FLUSH_BYTES (memory stays flat)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    pending: list[bytes] = []
    size = 0
    for piece in pieces:
        data = compressor.compress(piece)
        if data:
            pending.append(data)
            size += len(data)
            if size >= FLUSH_BYTES:
                yield b"".join(pending)
                pending, size = [], 0
    pending.append(compressor.flush())
    yield b"".join(pending)
