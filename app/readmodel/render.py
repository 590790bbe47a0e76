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
from functools import lru_cache

import orjson

from app.api.ckan.package_dict import package_dict
from app.datasets.schemas import DatasetOut
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import BY_EXT, Format
from app.dcat.namespaces import DCAT
from app.dcat.stream import JsonLdWriter, NTriplesWriter, TurtleWriter, render
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


def dcat_forms(
    ds: DatasetOut, ctx: Context, fmt: Format = TURTLE
) -> tuple[bytes, dict[str, bytes]]:
    """The DCAT document in `fmt` and the dump forms (column name -> stored value, see
    DUMP_COLUMNS), from one mapping pass for the document's triples and one for the dump's
    own triples."""
    full = Emission()
    node = documents.dataset(ds, ctx, full)
    triples = full.take()
    return _document(fmt, ctx, triples), _dump_forms(ds, ctx, node, triples, full.seen)


def _document(fmt: Format, ctx: Context, triples: list[Triple]) -> bytes:
    if fmt is TURTLE:
        # What `render` gives, from a kept writer (a new one builds its name table first).
        ttl = _writers(ctx.plan_ns)[1]
        return (ttl.header() + ttl.chunk(triples)).encode("utf-8")
    return render(fmt, ctx.plan_ns, triples)


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


# The gzip-ready forms of a dataset's triples kept for the full dumps, one column per format
# (DUMP_COLUMNS), each laid out as:
#   >III header: CRC-32 and byte length of the dataset's own text (its own triples and the root
#   catalogue's `dcat:dataset` link to it, UTF-8), and the length of their deflate fragment;
#   the fragment (raw deflate, ended by a full flush, so fragments of many datasets concatenate
#   into one deflate stream); then the shared nodes the dataset describes (publisher, licence,
#   concepts...), uncompressed, one unit a line, which the dump writes once per export:
#   N-Triples lines for `nt` and `ttl` (N-Triples is Turtle), one node object a line for
#   `jsonld`.
# The own text per format: N-Triples lines; Turtle statements without the prefix block (the
# dump writes it once); JSON-LD node objects, each preceded by ",\n" (members of the dump's
# one "@graph" array, after the root catalogue's nodes).
_DUMP_HEAD = struct.Struct(">III")
DEFLATE_LEVEL = 6
DUMP_COLUMNS = {"nt": "dcat_nt_dump", "ttl": "dcat_ttl_dump", "jsonld": "dcat_jsonld_dump"}


def deflate_fragment(data: bytes, level: int = DEFLATE_LEVEL) -> bytes:
    """Raw deflate of `data`, ended by a full flush (byte-aligned, no final block, no
    reference to earlier data): such fragments concatenate into one valid deflate stream."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


@dataclass(frozen=True)
class DumpForm:
    """A stored dump value (`dcat_nt_dump`, `dcat_ttl_dump`, `dcat_jsonld_dump`), taken apart."""

    crc: int  # CRC-32 of the own text (with the catalogue's link to the dataset)
    size: int  # its length in bytes
    fragment: bytes  # its deflate fragment
    shared: bytes  # the shared nodes, one unit a line

    def own(self) -> bytes:
        return zlib.decompressobj(-15).decompress(self.fragment)


def dump_form(stored: bytes) -> DumpForm:
    crc, size, length = _DUMP_HEAD.unpack_from(stored)
    start = _DUMP_HEAD.size
    return DumpForm(crc, size, stored[start : start + length], stored[start + length :])


def dcat_nt_dump(ds: DatasetOut, ctx: Context) -> bytes:
    """The dataset's DCAT-AP triples in the N-Triples dump's stored form (see DumpForm)."""
    return dcat_dump_forms(ds, ctx)["dcat_nt_dump"]


def dcat_dump_forms(ds: DatasetOut, ctx: Context) -> dict[str, bytes]:
    """The dataset's DCAT-AP triples in every dump's stored form (column name -> value): its
    own triples, compressed, and the descriptions of the shared nodes it links to.

    Two passes over the mapping table: the second starts with every shared node of the first
    marked as described, so it yields exactly the dataset's own triples (what the mapped
    export wrote for a dataset whose shared nodes were already out); the rest of the first
    pass are the shared descriptions. Own + shared equal `dcat_document` as a triple set, plus
    the root catalogue's `dcat:dataset` link to the dataset (which the dump holds)."""
    full = Emission()
    node = documents.dataset(ds, ctx, full)
    return _dump_forms(ds, ctx, node, full.take(), full.seen)


@lru_cache(maxsize=8)
def _writers(plan_ns: str | None) -> tuple[NTriplesWriter, TurtleWriter, JsonLdWriter]:
    # Their state is caches of names (bounded), kept across datasets: building the Turtle and
    # JSON-LD name tables costs more than writing one dataset. JsonLdWriter's "first chunk"
    # flag is the only other state; _jsonld_nodes does not depend on it.
    return NTriplesWriter(plan_ns), TurtleWriter(plan_ns), JsonLdWriter(plan_ns)


def _jsonld_nodes(out: JsonLdWriter, triples: list[Triple]) -> str:
    """The node objects of `triples`, one a line (the writer separates them by ",\\n" and its
    JSON never holds a raw newline)."""
    body = out.chunk(triples).removeprefix(",\n")
    return body.replace(",\n", "\n") + "\n" if body else ""


def pack_dump_form(own: bytes, shared: bytes) -> bytes:
    """A stored dump value (see DumpForm) from the dataset's own text and its shared lines."""
    fragment = deflate_fragment(own)
    return _DUMP_HEAD.pack(zlib.crc32(own), len(own), len(fragment)) + fragment + shared


def _dump_forms(
    ds: DatasetOut, ctx: Context, node: Iri, triples: list[Triple], seen: set[tuple[str, str]]
) -> dict[str, bytes]:
    own = Emission(set(seen))
    documents.dataset(ds, ctx, own)
    own_triples = own.take()
    remaining = Counter(own_triples)
    shared: list[Triple] = []
    for triple in triples:
        if remaining[triple] > 0:
            remaining[triple] -= 1
        else:
            shared.append(triple)
    # The root catalogue's link to the dataset is the dump's, not the dataset document's.
    link: Triple = (ctx.catalog, DCAT.dataset, node)
    own_triples.append(link)
    nt, ttl, jsonld = _writers(ctx.plan_ns)
    shared_nt = nt.chunk(shared).encode("utf-8")
    jsonld_own = jsonld.chunk(own_triples).removeprefix(",\n")
    return {
        "dcat_nt_dump": pack_dump_form(nt.chunk(own_triples).encode("utf-8"), shared_nt),
        "dcat_ttl_dump": pack_dump_form(ttl.chunk(own_triples).encode("utf-8"), shared_nt),
        "dcat_jsonld_dump": pack_dump_form(
            (",\n" + jsonld_own).encode("utf-8"), _jsonld_nodes(jsonld, shared).encode("utf-8")
        ),
    }
