"""Issue 10 item 3: a hostile id or key can neither break our RDF nor inject triples.

The API no longer accepts such ids (tests/datasets/test_identifiers.py); rows written before
that rule, or any other key, still go through the one IRI builder (app/dcat/iri.py).
"""

from __future__ import annotations

import gzip
from urllib.parse import unquote

from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from sqlalchemy import text

from app.dcat.context import Context
from app.dcat.iri import mint
from app.dcat.stream import NTriplesWriter, TurtleWriter
from app.dcat.triples import Lit
from tests.conftest import Backend
from tests.dcat.factories import make, minimal_input

BASE = "http://catalog.test"
TITLE = "http://purl.org/dc/terms/title"
# Fits the 36 characters of an id column; unescaped, it ends the IRI and adds a triple.
HOSTILE = 'a> <http://e.x/p> "pwned" .\n<z'


def test_hostile_dataset_id_cannot_break_or_inject(client: TestClient, backend: Backend) -> None:
    victim = make(backend, minimal_input("victim"))
    legacy = make(backend, minimal_input("legacy"))
    with backend.engine.begin() as conn:  # a row written before ids had to be UUIDs
        for table, column in (("dataset", "id"), ("search_doc", "dataset_id")):
            conn.execute(
                text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old"),
                {"new": HOSTILE, "old": legacy.id},
            )
    sources = {
        "turtle": client.get("/catalog.ttl").content,
        "nt": client.get("/catalog.nt").content,
        "nt-dump": gzip.decompress(client.get("/dump/catalog.nt.gz").content),
        "turtle-dump": gzip.decompress(client.get("/dump/catalog.ttl.gz").content),
    }
    escaped = URIRef(mint(f"{BASE}/dataset/", HOSTILE))
    for label, data in sources.items():
        graph = Graph().parse(data=data, format="turtle" if "turtle" in label else "nt")
        assert (None, None, Literal("pwned")) not in graph, label
        assert (None, URIRef("http://e.x/p"), None) not in graph, label
        assert (escaped, URIRef(TITLE), Literal("データセット legacy", lang="ja")) in graph, label
        assert (URIRef(f"{BASE}/dataset/{victim.id}"), None, None) in graph, label
    assert unquote(str(escaped).rsplit("/", 1)[1]) == HOSTILE


@settings(max_examples=200, deadline=None)
@given(key=st.text(min_size=1, max_size=40))
@example(key="\\")
@example(key='"<>{}|^`\u2028\x85 \t\n%2F/../?#')
def test_any_key_gives_one_parsable_triple(key: str) -> None:
    ctx = Context(base=BASE)
    subjects = [
        ctx.dataset(key),
        ctx.distribution(key, key),
        ctx.organization(key),
        ctx.measure(key),
        ctx.category(key),
        mint(ctx.dataset(key), fragment=key),
    ]
    for s in subjects:
        triples = [(s, TITLE, Lit("x"))]
        for writer, fmt in ((NTriplesWriter(), "nt"), (TurtleWriter(), "turtle")):
            doc = writer.header() + writer.chunk(triples) + writer.footer()
            graph = Graph().parse(data=doc, format=fmt)
            assert len(graph) == 1 and str(next(iter(graph))[0]) == s
    # The key stays one segment: it cannot climb to, or stand for, another resource.
    assert unquote(ctx.dataset(key)[len(BASE) + len("/dataset/") :]) == key
