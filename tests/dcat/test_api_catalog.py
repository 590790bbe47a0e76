"""The catalogue endpoint: hydra paging, filters, errors, conditional GET, DCAT-AP validity."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.schemas import DatasetPatch
from app.db import session_scope
from app.dcat.formats import FORMATS
from tests.conftest import Backend
from tests.dcat.factories import full_input, make, minimal_input
from tests.dcat.shacl import date_violations, violations

BASE = "http://catalog.test"
DCAT = "http://www.w3.org/ns/dcat#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
CATALOG = URIRef(f"{BASE}/catalog")


def graph_of(client: TestClient, path: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0]
    fmt = next(f for f in FORMATS if f.media_type == media)
    return Graph().parse(data=response.content, format=fmt.parser)


def listed(graph: Graph) -> set[str]:
    return {str(o).rsplit("/", 1)[-1] for o in graph.objects(CATALOG, URIRef(DCAT + "dataset"))}


def test_seeded_catalogue_page_is_valid_in_every_format(
    client: TestClient, backend: Backend
) -> None:
    full = make(backend, full_input())
    minimal = make(backend, minimal_input("minimal-one"))
    graphs = [graph_of(client, f"/catalog.{fmt.ext}") for fmt in FORMATS]
    for graph in graphs:
        assert listed(graph) == {full.id, minimal.id}
        # The root lists the 180 measures as sub-catalogues, and the category scheme.
        assert len(list(graph.objects(CATALOG, URIRef(DCAT + "catalog")))) == 180
        assert graph.value(CATALOG, URIRef(DCAT + "themeTaxonomy")) == URIRef(f"{BASE}/category")
        assert violations(graph) == []
        assert date_violations(graph) == []
    from rdflib.compare import isomorphic

    # Same triples in every format, but for the paging node, whose URI is the page's own URL.
    for graph in graphs:
        for view in list(graph.subjects(URIRef(HYDRA + "totalItems"), None)):
            graph.remove((view, None, None))
    for graph in graphs[1:]:
        assert isomorphic(graph, graphs[0])


def test_hydra_paging(client: TestClient, backend: Backend) -> None:
    made = sorted(make(backend, minimal_input(f"paged-{n}")).id for n in range(5))
    seen: list[str] = []
    path = "/catalog.ttl?limit=2&organization=soumu"
    pages = 0
    while path:
        graph = graph_of(client, path)
        pages += 1
        page_ids = sorted(listed(graph))
        assert seen == [] or page_ids[0] > seen[-1]  # id order: stable while data changes
        seen += page_ids
        view = next(graph.subjects(URIRef(HYDRA + "totalItems"), None))
        assert graph.value(view, URIRef(HYDRA + "totalItems")) == Literal(5)
        assert graph.value(view, URIRef(HYDRA + "itemsPerPage")) == Literal(2)
        last = graph.value(view, URIRef(HYDRA + "lastPage"))
        assert parse_qs(urlsplit(str(last)).query)["page"] == ["3"]
        assert parse_qs(urlsplit(str(view)).query)["organization"] == ["soumu"]
        nxt = graph.value(view, URIRef(HYDRA + "nextPage"))
        if pages > 1:
            assert graph.value(view, URIRef(HYDRA + "previousPage")) is not None
        path = str(nxt).removeprefix(BASE) if nxt is not None else ""
    assert pages == 3 and seen == made


def test_filters(client: TestClient, backend: Backend) -> None:
    aed = make(backend, full_input())
    other = make(backend, minimal_input("other-one", categories=["land-weather"]))
    assert listed(graph_of(client, "/catalog.nt?organization=011002")) == {aed.id}
    assert listed(graph_of(client, "/catalog.nt?measure=02-22")) == {aed.id}
    assert listed(graph_of(client, "/catalog.nt?category=land-weather")) == {other.id}
    assert listed(graph_of(client, "/catalog.nt?q=AED")) == {aed.id}
    time.sleep(0.01)
    cutoff = other.metadata_modified.isoformat() + "Z"
    with session_scope(backend.sessions) as session:
        dataset_service.update_dataset(
            session, SYSTEM, aed.id, DatasetPatch(version="2"), mode="patch"
        )
    since = graph_of(client, f"/catalog.nt?modified_since={cutoff.replace('+', '%2B')}")
    assert aed.id in listed(since)
    later = graph_of(client, "/catalog.nt?modified_since=2999-01-01")
    assert listed(later) == set()


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("page=0", 400, "page"),
        ("page=abc", 400, "page"),
        ("page=-1", 400, "page"),
        ("page=9", 404, "Page 9"),
        ("limit=0", 400, "limit"),
        ("modified_since=yesterday", 400, "modified_since"),
        ("modified_since=2024-13-45", 400, "modified_since"),
        ("organization=no-such-org", 404, "no-such-org"),
        ("measure=99-99", 404, "99-99"),
        ("category=nope", 404, "nope"),
    ],
)
def test_bad_parameters(client: TestClient, query: str, status: int, words: str) -> None:
    response = client.get(f"/catalog.ttl?{query}")
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


def test_negotiation_on_catalog_and_unknown_suffix(client: TestClient, backend: Backend) -> None:
    make(backend, minimal_input("one-of-them"))
    assert client.get("/catalog").headers["content-type"].startswith("text/html")
    nt = client.get("/catalog", headers={"Accept": "application/n-triples"})
    assert nt.headers["content-type"] == "application/n-triples; charset=utf-8"
    assert nt.headers["content-location"] == "/catalog.nt"
    org = client.get("/organization/soumu?x=1", headers={"Accept": "application/rdf+xml"})
    assert org.headers["content-location"] == "/organization/soumu.rdf?x=1"
    assert client.get("/catalog.xyz").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/catalog.ttl",
        "/dataset/{name}.jsonld",
        "/dataset/{name}",
        "/organization/011002.rdf",
        "/measure/02-22.nt",
        "/category/land-weather.ttl",
        "/category.ttl",
        "/ns/plan.ttl",
        "/dump/catalog.nt.gz",
    ],
)
def test_conditional_get(client: TestClient, backend: Backend, path: str) -> None:
    ds = make(backend, full_input())
    url = path.format(name=ds.name)
    first = client.get(url)
    assert first.status_code == 200
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert (
        client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code
        == 200
    )


def test_changes_give_a_new_etag(client: TestClient, backend: Backend) -> None:
    ds = make(backend, full_input())
    before = client.get(f"/dataset/{ds.id}.ttl").headers["etag"]
    catalog_before = client.get("/catalog.ttl").headers["etag"]
    with session_scope(backend.sessions) as session:
        dataset_service.update_dataset(
            session, SYSTEM, ds.id, DatasetPatch(title="新しい題名"), mode="patch"
        )
    changed = client.get(f"/dataset/{ds.id}.ttl", headers={"If-None-Match": before})
    assert changed.status_code == 200 and "新しい題名" in changed.text
    assert changed.headers["etag"] != before
    assert client.get("/catalog.ttl", headers={"If-None-Match": catalog_before}).status_code == 200
