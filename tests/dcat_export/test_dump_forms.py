"""The Turtle and JSON-LD dumps served from the read model's stored per-dataset forms
(`dcat_ttl_dump`, `dcat_jsonld_dump`) parse, as whole files, to the same graph as the mapped
export (every dataset loaded through the ORM and written triple by triple), leave private and
withdrawn datasets out, are one valid gzip member, and fall back to fresh rendering for rows
that are missing, stale or lack the form."""

from __future__ import annotations

import gzip
import zlib

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic
from sqlalchemy import delete, update

from app.config import Settings
from app.db import session_scope
from app.dcat.formats import BY_EXT
from app.dcat.stream import stream
from app.dcat_export import service as svc
from app.models import DatasetRendering
from tests.conftest import Backend
from tests.dcat.factories import delete as delete_dataset
from tests.dcat.factories import full_input, make, minimal_input

BASE = "http://catalog.test"


def _mapped(backend: Backend, ext: str) -> Graph:
    """The export as made without the read model: every dataset loaded and mapped."""
    with session_scope(backend.sessions) as session:
        ctx = svc.build_context(session, Settings(database_url=backend.url, base_uri=BASE))
    fmt = BY_EXT[ext]
    text = "".join(stream(fmt, ctx.plan_ns, svc.export_chunks(backend.sessions, ctx)))
    return Graph().parse(data=text, format=fmt.parser)


def _dump(client: TestClient, ext: str) -> str:
    response = client.get(f"/dump/catalog.{ext}.gz")
    assert response.status_code == 200
    # One gzip member whose CRC-32 and length check out (zlib verifies both at the end).
    inflate = zlib.decompressobj(31)
    text = inflate.decompress(response.content)
    assert inflate.eof and inflate.unused_data == b""
    assert text == gzip.decompress(response.content)
    return text.decode("utf-8")


@pytest.mark.parametrize("ext", ["ttl", "jsonld"])
def test_stored_dump_parses_to_the_mapped_graph(
    client: TestClient, backend: Backend, ext: str
) -> None:
    full = make(backend, full_input())
    same_org = make(backend, full_input("sapporo-aed-2", title="札幌市AED 2"))
    other = make(backend, minimal_input("second-one"))
    hidden = make(backend, minimal_input("kept-private", private=True))
    gone = make(backend, minimal_input("withdrawn"))
    delete_dataset(backend, gone.name)
    column = f"dcat_{ext}_dump"
    with session_scope(backend.sessions) as session:
        # Every write stored this dump form too.
        assert all(getattr(r, column) is not None for r in session.query(DatasetRendering))

    fmt = BY_EXT[ext]
    served = _dump(client, ext)
    graph = Graph().parse(data=served, format=fmt.parser)
    assert isomorphic(graph, _mapped(backend, ext))
    # The same graph as the N-Triples dump, too.
    nt = Graph().parse(data=gzip.decompress(client.get("/dump/catalog.nt.gz").content), format="nt")
    assert isomorphic(graph, nt)
    assert full.id in served and same_org.id in served and other.id in served
    assert hidden.id not in served and gone.id not in served
    if ext == "ttl":
        # Prefixes once, at the top; the shared publisher's description once.
        assert served.count("@prefix dcat:") == 1
        assert served.count("/organization/011002> <http://www.w3.org/1999/02/22-rdf") == 1

    # The bytes come from the store: a shared line added to one row's form shows up.
    with session_scope(backend.sessions) as session:
        row = session.get(DatasetRendering, other.id)
        assert row is not None
        marker = (
            f"<{BASE}/marker> <{BASE}/p> <{BASE}/o> .\n"
            if ext == "ttl"
            else f'{{"@id": "{BASE}/marker", "{BASE}/p": {{"@id": "{BASE}/o"}}}}\n'
        )
        setattr(row, column, getattr(row, column) + marker.encode())
    assert f"{BASE}/marker" in _dump(client, ext)

    # Missing rows, rows of another context and rows without this form are rendered afresh.
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
            .values({column: None})
        )
    again = Graph().parse(data=_dump(client, ext), format=fmt.parser)
    assert isomorphic(again, _mapped(backend, ext))
