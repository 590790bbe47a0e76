"""Catalogue pages in Turtle, N-Triples and JSON-LD are assembled from the read model's stored
dump forms (app.dcat_export.page). Each must hold the same graph as the same page in RDF/XML,
which is still mapped record by record: for every page, with filters and search, for callers
who see private datasets, and when stored forms are missing or were made with another context.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from sqlalchemy import delete, select, update

from app.db import session_scope
from app.dcat.formats import BY_EXT
from app.models import DatasetRendering
from tests.conftest import Accounts, Backend
from tests.search.corpus import make_corpus

BASE = "http://catalog.test"
CATALOG = URIRef(f"{BASE}/catalog")
DCAT_DATASET = URIRef("http://www.w3.org/ns/dcat#dataset")
HYDRA = "http://www.w3.org/ns/hydra/core#"
STORED = ("ttl", "nt", "jsonld")


def _graph(client: TestClient, path: str, headers: dict[str, str] | None = None) -> Graph:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.text)
    ext = path.split("?")[0].rsplit(".", 1)[-1]
    graph = Graph().parse(data=response.content, format=BY_EXT[ext].parser)
    # The paging node is named by the page's own URL, which differs by extension: compare its
    # counts here, then leave it out of the isomorphism check.
    views = list(graph.subjects(URIRef(HYDRA + "totalItems"), None))
    assert len(views) == 1, path
    total = graph.value(views[0], URIRef(HYDRA + "totalItems"))
    graph.remove((views[0], None, None))
    graph.add((URIRef("urn:view"), URIRef(HYDRA + "totalItems"), total))
    return graph


def _same_as_mapped(
    client: TestClient, query: str, headers: dict[str, str] | None = None
) -> set[str]:
    """Checks every stored format of `/catalog?{query}` against RDF/XML; the listed ids."""
    mapped = _graph(client, f"/catalog.rdf?{query}", headers)
    for ext in STORED:
        stored = _graph(client, f"/catalog.{ext}?{query}", headers)
        # Most pages have no blank node: a set comparison then says the same, much faster.
        same = set(stored) == set(mapped) or isomorphic(stored, mapped)
        assert same, (ext, query, len(stored), len(mapped))
    return {str(o).rsplit("/", 1)[-1] for o in mapped.objects(CATALOG, DCAT_DATASET)}


@pytest.fixture
def corpus(backend: Backend) -> list[str]:
    with session_scope(backend.sessions) as session:
        return [ds.id for ds in make_corpus(session, 40)]


def test_every_page_holds_the_mapped_graph(
    client: TestClient, backend: Backend, corpus: list[str]
) -> None:
    public = _same_as_mapped(client, "limit=100")
    assert 30 <= len(public) < len(corpus)  # private datasets and drafts are left out
    seen: set[str] = set()
    for page in range(1, -(-len(public) // 9) + 1):
        listed = _same_as_mapped(client, f"limit=9&page={page}")
        assert len(listed) == min(9, len(public) - 9 * (page - 1)) and not listed & seen
        seen |= listed
    assert seen == public
    assert _same_as_mapped(client, "q=保育&limit=5") <= public
    assert _same_as_mapped(client, "organization=131016&limit=5") <= public


def test_the_json_ld_page_has_one_node_per_subject(
    client: TestClient, backend: Backend, corpus: list[str]
) -> None:
    # A consumer that picks the catalogue's node by @id, without merging, sees every dataset.
    for query in ("limit=100", "limit=9&page=2"):
        listed = _same_as_mapped(client, query)
        graph = client.get(f"/catalog.jsonld?{query}").json()["@graph"]
        ids = [node["@id"] for node in graph]
        assert len(ids) == len(set(ids)), [i for i in set(ids) if ids.count(i) > 1]
        (catalog,) = [node for node in graph if node["@id"] == str(CATALOG)]
        links = catalog["dcat:dataset"]
        links = links if isinstance(links, list) else [links]
        assert {link["@id"].rsplit("/", 1)[-1] for link in links} == listed


def test_a_caller_who_sees_private_datasets_gets_them_from_the_store_too(
    client: TestClient, backend: Backend, users: Accounts, corpus: list[str]
) -> None:
    admin = users.make("pages-admin", sysadmin=True)
    public = _same_as_mapped(client, "limit=100")
    with_private = _same_as_mapped(client, "limit=100", admin.headers)
    assert public < with_private


def test_missing_or_outdated_stored_forms_are_mapped_afresh(
    client: TestClient, backend: Backend, corpus: list[str]
) -> None:
    before = _same_as_mapped(client, "limit=100")
    with session_scope(backend.sessions) as session:
        ids = sorted(session.scalars(select(DatasetRendering.dataset_id)))
        session.execute(delete(DatasetRendering).where(DatasetRendering.dataset_id == ids[0]))
        # Made with another context, and wrong for this dataset: used as is, the page would
        # describe another dataset three more times and these three not at all.
        other = session.get(DatasetRendering, ids[5])
        assert other is not None
        session.execute(
            update(DatasetRendering)
            .where(DatasetRendering.dataset_id.in_(ids[1:4]))
            .values(
                dcat_context="0" * 64,
                dcat_ttl_dump=other.dcat_ttl_dump,
                dcat_nt_dump=other.dcat_nt_dump,
                dcat_jsonld_dump=other.dcat_jsonld_dump,
            )
        )
        session.execute(
            update(DatasetRendering)
            .where(DatasetRendering.dataset_id == ids[4])
            .values(dcat_ttl_dump=None, dcat_nt_dump=None, dcat_jsonld_dump=None)
        )
    assert _same_as_mapped(client, "limit=100") == before
