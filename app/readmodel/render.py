"""One rendering function per stored format. Each calls the surface's own renderer, so a change
to that renderer (CKAN fields, v1 timestamp forms, DCAT terms) changes the stored bytes with it.

Shapes: every function takes the dataset's `DatasetOut` (the write path's validated record) and
returns UTF-8 bytes; the DCAT ones also take the `Context` (base URI, licences, root catalogue).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections import Counter
from dataclasses import dataclass

import orjson

from app.api.ckan.package_dict import package_dict
from app.datasets.schemas import DatasetOut
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import BY_EXT, Format
from app.dcat.namespaces import DCAT
from app.dcat.stream import NTriplesWriter, render
from app.dcat.triples import Iri, Triple

TURTLE = BY_EXT["ttl"]


def ckan_package(ds: DatasetOut) -> bytes:
    """The CKAN package dict (package_show's `result`, one of package_search's `results`)."""
    return orjson.dumps(package_dict(ds))


def v1_record(ds: DatasetOut) -> bytes:
    """The native API record (`GET /api/v1/datasets/{ref}`): DatasetOut as its response model
    serialises it (JSON mode, by alias), so the model's own serialisers apply."""
    return orjson.dumps(ds.model_dump(mode="json", by_alias=True))


def dcat_document(ds: DatasetOut, ctx: Context, fmt: Format = TURTLE) -> bytes:
    """The dataset's DCAT-AP document (`/dataset/{ref}.{ext}`) in `fmt` (Turtle by default)."""
    return dcat_forms(ds, ctx, fmt)[0]


def dcat_forms(ds: DatasetOut, ctx: Context, fmt: Format = TURTLE) -> tuple[bytes, bytes]:
    """The DCAT document in `fmt` and the dump form (`dcat_nt_dump`), from one mapping pass
    for the document's triples and one for the dump's own triples."""
    full = Emission()
    node = documents.dataset(ds, ctx, full)
    triples = full.take()
    return render(fmt, ctx.plan_ns, triples), _dump_form(ds, ctx, node, triples, full.seen)


def context_digest(ctx: Context) -> str:
    """A digest of everything besides the dataset that the DCAT document depends on: a stored
    document is served only to a reader whose context has the same digest (64 hex chars)."""
    parts = (
        ctx.base,
        sorted((k, repr(v)) for k, v in ctx.licenses.items()),
        repr(ctx.root),
        sorted(ctx.agents.items()),
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


# The gzip-ready form of a dataset's N-Triples kept for the full dump (`dcat_nt_dump`):
#   >III header: CRC-32 and byte length of the dataset's own triples (N-Triples, UTF-8), and
#   the length of their deflate fragment; the fragment (raw deflate, ended by a full flush, so
#   fragments of many datasets concatenate into one deflate stream); then the N-Triples of the
#   shared nodes the dataset describes (publisher, licence, concepts...), uncompressed, which
#   the dump writes once per export.
_DUMP_HEAD = struct.Struct(">III")
DEFLATE_LEVEL = 6


def deflate_fragment(data: bytes, level: int = DEFLATE_LEVEL) -> bytes:
    """Raw deflate of `data`, ended by a full flush (byte-aligned, no final block, no
    reference to earlier data): such fragments concatenate into one valid deflate stream."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


@dataclass(frozen=True)
class DumpForm:
    """A stored `dcat_nt_dump` value, taken apart."""

    crc: int  # CRC-32 of the own triples' N-Triples (with the catalogue's link to the dataset)
    size: int  # their length in bytes
    fragment: bytes  # their deflate fragment
    shared: bytes  # N-Triples of the shared nodes, one triple a line

    def own(self) -> bytes:
        return zlib.decompressobj(-15).decompress(self.fragment)


def dump_form(stored: bytes) -> DumpForm:
    crc, size, length = _DUMP_HEAD.unpack_from(stored)
    start = _DUMP_HEAD.size
    return DumpForm(crc, size, stored[start : start + length], stored[start + length :])


def dcat_nt_dump(ds: DatasetOut, ctx: Context) -> bytes:
    """The dataset's DCAT-AP triples in the dump's stored form (see DumpForm): its own
    triples, compressed, and the descriptions of the shared nodes it links to.

    Two passes over the mapping table: the second starts with every shared node of the first
    marked as described, so it yields exactly the dataset's own triples (what the mapped
    export wrote for a dataset whose shared nodes were already out); the rest of the first
    pass are the shared descriptions. Own + shared equal `dcat_document` as a triple set, plus
    the root catalogue's `dcat:dataset` link to the dataset (which the dump holds)."""
    full = Emission()
    node = documents.dataset(ds, ctx, full)
    return _dump_form(ds, ctx, node, full.take(), full.seen)


def _dump_form(
    ds: DatasetOut, ctx: Context, node: Iri, triples: list[Triple], seen: set[tuple[str, str]]
) -> bytes:
    own = Emission(set(seen))
    documents.dataset(ds, ctx, own)
    own_triples = own.take()
    # The root catalogue's link to the dataset is the dump's, not the dataset document's.
    link: Triple = (ctx.catalog, DCAT.dataset, node)
    nt = NTriplesWriter(ctx.plan_ns)
    own_text = nt.chunk([*own_triples, link]).encode("utf-8")
    remaining = Counter(own_triples)
    shared: list[Triple] = []
    for triple in triples:
        if remaining[triple] > 0:
            remaining[triple] -= 1
        else:
            shared.append(triple)
    fragment = deflate_fragment(own_text)
    head = _DUMP_HEAD.pack(zlib.crc32(own_text), len(own_text), len(fragment))
    return head + fragment + nt.chunk(shared).encode("utf-8")
