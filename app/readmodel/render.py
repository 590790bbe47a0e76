"""One rendering function per stored format. Each calls the surface's own renderer, so a change
to that renderer (CKAN fields, v1 timestamp forms, DCAT terms) changes the stored bytes with it.

Shapes: every function takes the dataset's `DatasetOut` (the write path's validated record) and
returns UTF-8 bytes; the DCAT ones also take the `Context` (base URI, licences, root catalogue).
"""

from __future__ import annotations

import hashlib
from collections import Counter

import orjson

from app.api.ckan.package_dict import package_dict
from app.datasets.schemas import DatasetOut
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import BY_EXT, Format
from app.dcat.stream import NTriplesWriter, render
from app.dcat.triples import Triple

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
    out = Emission()
    documents.dataset(ds, ctx, out)
    return render(fmt, ctx.plan_ns, out.take())


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


# The comment line between a dataset's own triples and the shared nodes it describes (a comment
# keeps the stored value a valid N-Triples document on its own).
SHARED_MARK = b"# shared\n"


def dcat_ntriples(ds: DatasetOut, ctx: Context) -> bytes:
    """The dataset's DCAT-AP triples as N-Triples, laid out for the full dump: first the
    triples only this dataset has, then SHARED_MARK, then the descriptions of the shared nodes
    it links to (publisher, licence, concepts...), which the dump writes once per export.

    Two passes over the mapping table: the second starts with every shared node of the first
    marked as described, so it yields exactly the dataset's own triples (the ones the dump
    wrote for a dataset whose shared nodes were already out); the rest of the first pass are
    the shared descriptions. As a triple set this equals `dcat_document` (same triples)."""
    full = Emission()
    documents.dataset(ds, ctx, full)
    own = Emission(set(full.seen))
    documents.dataset(ds, ctx, own)
    own_triples = own.take()
    nt = NTriplesWriter(ctx.plan_ns)
    own_text = nt.chunk(own_triples).encode("utf-8")
    remaining = Counter(own_triples)
    shared: list[Triple] = []
    for triple in full.take():
        if remaining[triple] > 0:
            remaining[triple] -= 1
        else:
            shared.append(triple)
    return own_text + SHARED_MARK + nt.chunk(shared).encode("utf-8")
