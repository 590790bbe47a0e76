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

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.datasets.convert import dataset_out
from app.dcat.context import Context
from app.dcat.formats import BY_EXT, Format
from app.dcat.stream import NTriplesWriter, writer
from app.dcat.triples import Triple
from app.dcat_export import repository as repo
from app.readmodel import render

JSONLD = BY_EXT["jsonld"]


def stored_forms(
    session: Session, ctx: Context, fmt: Format, ids: Sequence[str]
) -> list[tuple[str, bytes]]:
    """(id, stored dump form in `fmt`) of each of `ids`, in the order given; a form that is
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
    return [(dataset_id, found[dataset_id]) for dataset_id in ids if dataset_id in found]


def catalog_page(
    ctx: Context, fmt: Format, opening: list[Triple], forms: list[tuple[str, bytes]]
) -> bytes:
    """The page's document: `opening` (the page's own triples, written here) and the
    datasets' stored forms (see stored_forms), each shared node once.

    `fmt` is one with a stored form (`render.DUMP_COLUMNS`: nt, ttl, jsonld)."""
    if fmt.ext == "jsonld":
        return _jsonld_page(ctx, opening, forms)
    text = writer(fmt, ctx.plan_ns)
    parts = [(text.header() + text.chunk(opening)).encode("utf-8")]
    # N-Triples lines already out (Turtle's shared lines are N-Triples too).
    written = set(NTriplesWriter(ctx.plan_ns).chunk(opening).encode().splitlines())
    shared: list[bytes] = []
    for _id, stored in forms:
        form = render.dump_form(stored)
        parts.append(form.own())
        for line in form.shared.splitlines():
            if line not in written:
                written.add(line)
                shared.append(line + b"\n")
    parts.extend(shared)
    parts.append(text.footer().encode("utf-8"))
    return b"".join(parts)


def _jsonld_page(ctx: Context, opening: list[Triple], forms: list[tuple[str, bytes]]) -> bytes:
    """The JSON-LD page with one node object per IRI, as the mapped page has. A stored form's
    own nodes about its dataset (and its distributions and blank nodes) are copied as they
    are; its nodes about other subjects (the root catalogue's and a measure's `dcat:dataset`
    link to it) are merged with the opening's and the shared nodes (publisher, measure,
    category). A consumer that picks a node by `@id` without merging sees it whole.
    """
    text = writer(JSONLD, ctx.plan_ns)
    head = text.chunk(opening).encode("utf-8")
    nodes = _NodeMerge()
    nodes.add_all(head.split(b",\n"))
    owns: list[bytes] = []
    for dataset_id, stored in forms:
        form = render.dump_form(stored)
        mine = b'{"@id":' + orjson.dumps(str(ctx.dataset(dataset_id)))[:-1]
        for node in form.own().split(b",\n"):  # "" first: the text starts with a separator
            if node.startswith(mine) or node.startswith(b'{"@id":"_:'):
                owns.append(node)
            else:
                nodes.add_all((node,))
        nodes.add_all(form.shared.splitlines())
    body = b",\n".join(nodes.dumps())
    tail = b"".join(b",\n" + node for node in owns if node)
    return text.header().encode("utf-8") + body + tail + text.footer().encode("utf-8")


class _NodeMerge:
    """JSON-LD node objects (one compact JSON text each) merged by IRI; blank nodes and
    repeated texts are kept once as they are."""

    def __init__(self) -> None:
        self._texts: dict[bytes, None] = {}
        self._by_iri: dict[str, dict[str, Any]] = {}
        self._order: list[bytes | str] = []

    def add_all(self, texts: Iterable[bytes]) -> None:
        for text in texts:
            if text and text not in self._texts:
                self._texts[text] = None
                self._add(text)

    def _add(self, text: bytes) -> None:
        node: dict[str, Any] = orjson.loads(text)
        iri = node.get("@id")
        if not isinstance(iri, str) or iri.startswith("_:"):
            self._order.append(text)
            return
        known = self._by_iri.get(iri)
        if known is None:
            self._by_iri[iri] = node
            self._order.append(iri)
            return
        for key, value in node.items():
            if key not in known:
                known[key] = value
                continue
            values = known[key] if isinstance(known[key], list) else [known[key]]
            for item in value if isinstance(value, list) else [value]:
                if item not in values:
                    values.append(item)
            known[key] = values[0] if len(values) == 1 else values

    def dumps(self) -> list[bytes]:
        return [
            entry if isinstance(entry, bytes) else orjson.dumps(self._by_iri[entry])
            for entry in self._order
        ]
