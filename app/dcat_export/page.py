"""Catalogue pages (`/catalog.ttl`, `.nt`, `.jsonld`) from the read model's stored dump forms.

A page is the format's header, the page's own triples (the root catalogue, on page 1 its
measures and categories, the hydra paging), then each listed dataset's stored text: its own
triples with the root catalogue's `dcat:dataset` link to it (app.readmodel.render.DumpForm),
and the shared nodes it describes (publisher, licence, concepts), each written once per page.
This is how the full dump is laid out (app.dcat_export.dump), one page at a time and without
gzip; the triple set is the one the mapped page has (the page in RDF/XML is still mapped).

A dataset whose stored form is missing, or was rendered with another DCAT context, is mapped
afresh on the way, so a page is never stale and never short.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.datasets.convert import dataset_out
from app.dcat.context import Context
from app.dcat.formats import Format
from app.dcat.stream import NTriplesWriter, writer
from app.dcat.triples import Triple
from app.dcat_export import repository as repo
from app.readmodel import render


def stored_forms(session: Session, ctx: Context, fmt: Format, ids: Sequence[str]) -> list[bytes]:
    """The stored dump form in `fmt` of each of `ids`, in the order given; a form that is
    missing or made with another context is rendered afresh (not stored: that is the
    writers' and `catalog readmodel rebuild`'s job)."""
    column = render.DUMP_COLUMNS[fmt.ext]
    digest = render.context_digest(ctx)
    found = {
        dataset_id: stored
        for dataset_id, stored, made_with in repo.stored_dump_forms(session, column, ids)
        if stored is not None and made_with == digest
    }
    stale = [dataset_id for dataset_id in ids if dataset_id not in found]
    for ds in repo.by_ids(session, stale):
        found[ds.id] = render.dcat_dump_forms(dataset_out(ds), ctx)[column]
    # An id the page query listed but no row holds any more (purged since): left out.
    return [found[dataset_id] for dataset_id in ids if dataset_id in found]


def catalog_page(ctx: Context, fmt: Format, opening: list[Triple], forms: list[bytes]) -> bytes:
    """The page's document: `opening` (the page's own triples, written here) and the
    datasets' stored forms (see stored_forms), each shared node once.

    `fmt` is one with a stored form (`render.DUMP_COLUMNS`: nt, ttl, jsonld)."""
    text = writer(fmt, ctx.plan_ns)
    parts = [(text.header() + text.chunk(opening)).encode("utf-8")]
    jsonld = fmt.ext == "jsonld"
    # N-Triples lines (nt, ttl) already out, starting with the opening's; JSON-LD node objects
    # are compared as written (a node met twice would merge anyway, but once reads better).
    written: set[bytes] = (
        set() if jsonld else set(NTriplesWriter(ctx.plan_ns).chunk(opening).encode().splitlines())
    )
    shared: list[bytes] = []
    for stored in forms:
        form = render.dump_form(stored)
        parts.append(form.own())
        for line in form.shared.splitlines():
            if line not in written:
                written.add(line)
                shared.append(b",\n" + line if jsonld else line + b"\n")
    parts.extend(shared)
    parts.append(text.footer().encode("utf-8"))
    return b"".join(parts)
