"""Entity documents: every format, the same graph, valid DCAT-AP 3, negotiation, stable URIs."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.schemas import DatasetPatch
from app.db import session_scope
from app.dcat.formats import FORMATS
from tests.conftest import Accounts, Backend
from tests.dcat.factories import NASTY, full_input, make, minimal_input
from tests.dcat.shacl import date_violations, violations

BASE = "http://catalog.test"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def fetch(client: TestClient, path: str, **headers: str) -> Graph:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0]
    fmt = next(f for f in FORMATS if f.media_type == media)
    return Graph().parse(data=response.content, format=fmt.parser)


def test_dataset_in_four_formats_same_graph_valid(client: TestClient, backend: Backend) -> None:
    ds = make(backend, full_input())
    graphs = []
    for fmt in FORMATS:
        response = client.get(f"/dataset/{ds.id}.{fmt.ext}")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == fmt.media_type
        graphs.append(Graph().parse(data=response.content, format=fmt.parser))
    for graph in graphs[1:]:
        assert isomorphic(graph, graphs[0])
    graph = graphs[0]
    subject = URIRef(f"{BASE}/dataset/{ds.id}")
    assert (subject, RDF_TYPE, URIRef(DCAT + "Dataset")) in graph
    assert graph.value(subject, URIRef(DCT + "title")) == Literal(
        "札幌市AED設置箇所一覧", lang="ja"
    )
    assert str(graph.value(subject, URIRef(DCT + "description"))).endswith(NASTY)
    assert graph.value(subject, URIRef(DCT + "publisher")) == URIRef(f"{BASE}/organization/011002")
    assert len(list(graph.objects(subject, URIRef(DCAT + "distribution")))) == 2
    assert violations(graph) == []
    assert date_violations(graph) == []


def test_minimal_dataset_is_valid_too(client: TestClient, backend: Backend) -> None:
    ds = make(backend, minimal_input("bare-minimum"))
    for fmt in FORMATS:
        graph = fetch(client, f"/dataset/bare-minimum.{fmt.ext}")
        assert violations(graph) == [], fmt.ext
        assert (URIRef(f"{BASE}/dataset/{ds.id}"), RDF_TYPE, URIRef(DCAT + "Dataset")) in graph


def test_negotiation_on_the_dataset_uri(client: TestClient, backend: Backend) -> None:
    ds = make(backend, full_input())
    turtle = client.get(f"/dataset/{ds.id}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "Accept" in turtle.headers["vary"]
    assert turtle.headers["content-location"] == f"/dataset/{ds.id}.ttl"
    jsonld = client.get(f"/dataset/{ds.name}", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    html = client.get(f"/dataset/{ds.name}", headers={"Accept": browser})
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "say &#34;hi&#34;" in html.text  # user text is escaped (Jinja2), never markup
    assert f'href="/dataset/{ds.id}.ttl"' in html.text
    refused = client.get(f"/dataset/{ds.id}", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.json()["error"]["message"]


def test_dataset_page_embeds_schema_org(client: TestClient, backend: Backend) -> None:
    ds = make(backend, full_input())
    html = client.get(f"/dataset/{ds.name}").text
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert data["@type"] == "Dataset" and data["name"] == ds.title
    assert data["description"].endswith(NASTY)
    assert data["url"] == f"{BASE}/dataset/{ds.name}" and data["identifier"] == ds.id
    assert set(data["keywords"]) == {"AED", "救急", "防災"}
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["publisher"]["name"] == "北海道札幌市"
    assert data["creator"]["@type"] == "GovernmentOrganization"
    assert data["spatialCoverage"]["name"] == "北海道札幌市"
    assert data["temporalCoverage"] == "2020-04-01/2024-03-31"
    assert data["includedInDataCatalog"]["@type"] == "DataCatalog"
    downloads = {d["contentUrl"]: d for d in data["distribution"]}
    csv = downloads["https://www.city.sapporo.jp/opendata/aed.csv"]
    assert csv["@type"] == "DataDownload" and csv["encodingFormat"] == "text/csv"


def test_dataset_uri_survives_a_rename(client: TestClient, backend: Backend) -> None:
    ds = make(backend, minimal_input("old-name"))
    with session_scope(backend.sessions) as session:
        dataset_service.update_dataset(
            session, SYSTEM, ds.id, DatasetPatch(name="new-name"), mode="patch"
        )
    assert client.get("/dataset/old-name.ttl").status_code == 404
    graph = fetch(client, "/dataset/new-name.ttl")
    assert (URIRef(f"{BASE}/dataset/{ds.id}"), RDF_TYPE, URIRef(DCAT + "Dataset")) in graph


def test_distribution_uri_dereferences(client: TestClient, backend: Backend) -> None:
    ds = make(backend, full_input())
    rid = ds.resources[0].id
    graph = fetch(client, f"/dataset/{ds.id}/resource/{rid}", Accept="text/turtle")
    dist = URIRef(f"{BASE}/dataset/{ds.id}/resource/{rid}")
    assert (dist, RDF_TYPE, URIRef(DCAT + "Distribution")) in graph
    # The resource licence is its own; the one without a licence carries the dataset's.
    assert graph.value(dist, URIRef(DCT + "license")) == URIRef(
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
    )
    other = URIRef(f"{BASE}/dataset/{ds.id}/resource/{ds.resources[1].id}")
    assert graph.value(other, URIRef(DCT + "license")) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert client.get(f"/dataset/{ds.id}/resource/nope.ttl").status_code == 404


def test_private_and_deleted_datasets_stay_hidden(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    private = make(backend, minimal_input("secret-one", owner_org="011002", private=True))
    gone = make(backend, minimal_input("gone-one"))
    with session_scope(backend.sessions) as session:
        dataset_service.delete_dataset(session, SYSTEM, gone.id)
    assert client.get(f"/dataset/{private.id}.ttl").status_code == 404
    assert client.get(f"/dataset/{gone.id}.ttl").status_code == 404
    member = users.make("member1", org="011002", role="member")
    shown = client.get(f"/dataset/{private.id}.ttl", headers=member.headers)
    assert shown.status_code == 200
    assert shown.headers["cache-control"].startswith("private")
    admin = users.make("root1", sysadmin=True)
    assert client.get(f"/dataset/{gone.id}.ttl", headers=admin.headers).status_code == 404
    for path in ("/catalog.nt", "/measure/02-22.nt", "/dump/catalog.nt.gz"):
        body = client.get(path).content
        if path.endswith(".gz"):
            import gzip

            body = gzip.decompress(body)
        assert private.id.encode() not in body and gone.id.encode() not in body, path
    sitemap = client.get("/sitemap.xml").text
    assert "secret-one" not in sitemap and "gone-one" not in sitemap


def test_organization_document(client: TestClient) -> None:
    for fmt in FORMATS:
        graph = fetch(client, f"/organization/011002.{fmt.ext}")
        org = URIRef(f"{BASE}/organization/011002")
        assert graph.value(org, URIRef(DCT + "identifier")) == Literal("011002")
        assert graph.value(org, URIRef(DCT + "spatial")) == URIRef(
            "http://data.e-stat.go.jp/lod/sac/C01100"
        )
        assert violations(graph) == []
    ministry = fetch(client, "/organization/soumu", Accept="application/n-triples")
    assert (
        URIRef(f"{BASE}/organization/soumu"),
        URIRef(DCT + "identifier"),
        Literal("soumu"),
    ) in ministry
    assert client.get("/organization/no-such-org.ttl").status_code == 404


def test_measure_document(client: TestClient, backend: Backend) -> None:
    ds = make(backend, full_input())
    measure = URIRef(f"{BASE}/measure/02-22")
    for fmt in FORMATS:
        graph = fetch(client, f"/measure/02-22.{fmt.ext}")
        assert (measure, RDF_TYPE, URIRef(DCAT + "Catalog")) in graph
        assert (URIRef(f"{BASE}/catalog"), URIRef(DCAT + "catalog"), measure) in graph
        assert (measure, URIRef(DCAT + "dataset"), URIRef(f"{BASE}/dataset/{ds.id}")) in graph
        # The lead ministry (◎厚生労働省) publishes the measure catalogue.
        assert graph.value(measure, URIRef(DCT + "publisher")) == URIRef(
            f"{BASE}/organization/mhlw"
        )
        plan = f"{BASE}/ns/plan#"
        assert graph.value(measure, URIRef(plan + "sectionNumber")) == Literal(2)
        assert violations(graph) == [], fmt.ext
    assert client.get("/measure/10-06.ttl").status_code == 404
    # Several ministries: the first lead publishes, the other organisations contribute.
    several = fetch(client, "/measure/02-21.ttl")
    subject = URIRef(f"{BASE}/measure/02-21")
    assert several.value(subject, URIRef(DCT + "publisher")) == URIRef(f"{BASE}/organization/meti")
    contributors = set(several.objects(subject, URIRef(DCT + "contributor")))
    assert {str(c).rsplit("/", 1)[-1] for c in contributors} == {"cao", "mext", "mlit", "env"}
    html = client.get("/measure/02-22")
    assert html.headers["content-type"].startswith("text/html") and ds.title in html.text


def test_categories_as_skos(client: TestClient) -> None:
    scheme = fetch(client, "/category.ttl")
    concepts = list(
        scheme.objects(
            URIRef(f"{BASE}/category"), URIRef("http://www.w3.org/2004/02/skos/core#hasTopConcept")
        )
    )
    assert len(concepts) == 17
    assert violations(scheme) == []
    one = fetch(client, "/category/population-households.jsonld")
    label = one.value(
        URIRef(f"{BASE}/category/population-households"),
        URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
    )
    assert str(label) == "人口・世帯"
    assert client.get("/category/nothing-like-this.ttl").status_code == 404
