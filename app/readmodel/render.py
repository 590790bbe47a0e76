"""One rendering function per stored format. Each calls the surface's own renderer, so a change
to that renderer (CKAN fields, v1 timestamp forms, DCAT terms) changes the stored bytes with it.

Shapes: every function takes the dataset's `DatasetOut` (the write path's validated record) and
returns UTF-8 bytes; the DCAT ones also take the `Context` (base URI, licences, root catalogue).
"""

from __future__ import annotations

import hashlib

import orjson

from app.api.ckan.package_dict import package_dict
from app.datasets.schemas import DatasetOut
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.context import Context
from app.dcat.formats import BY_EXT, Format
from app.dcat.stream import render

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
