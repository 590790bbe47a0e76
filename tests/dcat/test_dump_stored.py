"""The N-Triples dump served from the read model's stored per-dataset N-Triples is the same
triple set as the triple-by-triple export it replaced, and falls back to fresh rendering for
datasets whose stored form is missing or was made with another context."""

from __future__ import annotations

import gzip
import zlib

from fastapi.testclient import TestClient
from rdflib import DCAT, Graph, URIRef
from rdflib.compare import isomorphic
from sqlalchemy import delete, update

from app.config import Settings
from app.db import session_scope
from app.dcat.formats import BY_EXT
from app.dcat.stream import stream
from app.dcat_export import service as svc
from app.models import DatasetRendering
from app.readmodel import render
from tests.conftest import Backend
from tests.dcat.factories import delete as delete_dataset
from tests.dcat.factories import full_input, make, minimal_input

BASE = "http://catalog.test"


def _reference(backend: Backend) -> str:
    """The export as it was made before the read model: every dataset loaded and mapped."""
    with session_scope(backend.sessions) as session:
        ctx = svc.build_context(session, Settings(database_url=backend.url, base_uri=BASE))
    return "".join(stream(BY_EXT["nt"], ctx.plan_ns, svc.export_chunks(backend.sessions, ctx)))


def _lines(text: str) -> set[str]:
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def _dump(client: TestClient) -> str:
    response = client.get("/dump/catalog.nt.gz")
    assert response.status_code == 200
    # One gzip member whose CRC-32 and length check out (zlib verifies both at the end).
    inflate = zlib.decompressobj(31)
    text = inflate.decompress(response.content)
    assert inflate.eof and inflate.unused_data == b""
    assert text == gzip.decompress(response.content)
    return text.decode("utf-8")


def test_stored_dump_is_the_same_triple_set(client: TestClient, backend: Backend) -> None:
    full = make(backend, full_input())
    same_org = make(backend, full_input("sapporo-aed-2", title="札幌市AED 2"))
    other = make(backend, minimal_input("second-one"))
    hidden = make(backend, minimal_input("kept-private", private=True))
    gone = make(backend, minimal_input("withdrawn"))
    delete_dataset(backend, gone.name)
    with session_scope(backend.sessions) as session:
        rows = {r.dataset_id: r for r in session.query(DatasetRendering)}
        # Every write stored the dump form, with the context the dump is made with.
        assert all(r.dcat_nt_dump is not None for r in rows.values())
        digest = {r.dcat_context for r in rows.values()}
    assert len(digest) == 1

    reference = _reference(backend)
    served = _dump(client)
    assert _lines(served) == _lines(reference)
    assert isomorphic(Graph().parse(data=served, format="nt"), Graph().parse(data=reference))
    # Shared nodes (the publisher both Sapporo datasets name) are written once, as before.
    assert len([ln for ln in served.splitlines() if ln]) == len(
        [ln for ln in reference.splitlines() if ln]
    )
    assert full.id in served and same_org.id in served and other.id in served
    assert hidden.id not in served and gone.id not in served

    # The bytes come from the store: a marker put into one stored row shows up in the dump.
    marker = f"<{BASE}/marker> <{BASE}/p> <{BASE}/o> .\n".encode()
    with session_scope(backend.sessions) as session:
        row = session.get(DatasetRendering, other.id)
        assert row is not None and row.dcat_nt_dump is not None
        row.dcat_nt_dump = row.dcat_nt_dump + marker
    assert f"<{BASE}/marker>" in _dump(client)

    # Missing and stale stored forms are rendered afresh: same triples as the reference.
    with session_scope(backend.sessions) as session:
        session.execute(delete(DatasetRendering).where(DatasetRendering.dataset_id == other.id))
        session.execute(
            update(DatasetRendering)
            .where(DatasetRendering.dataset_id == full.id)
            .values(dcat_context="0" * 64)
        )
        session.execute(
            update(DatasetRendering)
            .where(DatasetRendering.dataset_id == same_org.id)
            .values(dcat_nt_dump=None)
        )
    assert _lines(_dump(client)) == _lines(reference)


def test_stored_ntriples_equal_the_dataset_document(client: TestClient, backend: Backend) -> None:
    """Own part + shared part of a stored row = the dataset's Turtle document, as triples."""
    made = make(backend, full_input())
    with session_scope(backend.sessions) as session:
        row = session.get(DatasetRendering, made.id)
        assert row is not None and row.dcat_nt_dump is not None
        form = render.dump_form(row.dcat_nt_dump)
        turtle = row.dcat_turtle
    own = form.own()
    assert len(own) == form.size and zlib.crc32(own) == form.crc
    assert own and form.shared
    stored = Graph().parse(data=own + form.shared, format="nt")
    # The document, and the root catalogue's link to the dataset (the dump's triple).
    expected = Graph().parse(data=turtle, format="turtle")
    expected.add((URIRef(f"{BASE}/catalog"), DCAT.dataset, URIRef(f"{BASE}/dataset/{made.id}")))
    assert isomorphic(stored, expected)
