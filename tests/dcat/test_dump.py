"""The full export (HTTP dump and `catalog export`), the sitemap, and our vocabulary."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from app.api import sitemap_xml
from app.cli import cli
from app.config import get_settings
from app.dcat.formats import DUMP_FORMATS
from tests.conftest import Backend
from tests.dcat.factories import full_input, make, minimal_input
from tests.dcat.shacl import violations

BASE = "http://catalog.test"
DCAT = "http://www.w3.org/ns/dcat#"
CATALOG = URIRef(f"{BASE}/catalog")


def _datasets(graph: Graph) -> set[str]:
    return {str(o).rsplit("/", 1)[-1] for o in graph.objects(CATALOG, URIRef(DCAT + "dataset"))}


def test_dump_in_three_formats(client: TestClient, backend: Backend) -> None:
    made = {make(backend, full_input()).id, make(backend, minimal_input("second-one")).id}
    graphs = []
    for suffix, fmt in DUMP_FORMATS.items():
        response = client.get(f"/dump/catalog.{suffix}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/gzip"
        assert f'filename="catalog.{suffix}"' in response.headers["content-disposition"]
        graph = Graph().parse(data=gzip.decompress(response.content), format=fmt.parser)
        assert _datasets(graph) == made
        assert len(list(graph.objects(CATALOG, URIRef(DCAT + "catalog")))) == 180
        graphs.append(graph)
    for graph in graphs[1:]:
        assert isomorphic(graph, graphs[0])
    assert violations(graphs[0]) == []
    assert client.get("/dump/catalog.rdf.gz").status_code == 404
    assert client.get("/dump/other.nt.gz").status_code == 404


def test_export_command(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: TestClient
) -> None:
    made = {make(backend, full_input()).id, make(backend, minimal_input("second-one")).id}
    monkeypatch.setenv("CATALOG_DATABASE_URL", backend.url)
    monkeypatch.setenv("CATALOG_BASE_URI", BASE)
    get_settings.cache_clear()
    try:
        graphs = []
        for suffix, fmt in DUMP_FORMATS.items():
            target = tmp_path / f"out.{suffix}"
            result = CliRunner().invoke(
                cli, ["export", "--format", suffix, "--output", str(target)]
            )
            assert result.exit_code == 0, result.output
            assert "exported 2 datasets" in result.output
            graphs.append(
                Graph().parse(data=gzip.decompress(target.read_bytes()), format=fmt.parser)
            )
            assert not (tmp_path / f"out.{suffix}.partial").exists()
        for graph in graphs:
            assert _datasets(graph) == made
            assert isomorphic(graph, graphs[0])
        # The dump over HTTP is the same graph as the command's file.
        http = client.get("/dump/catalog.nt.gz")
        assert isomorphic(Graph().parse(data=gzip.decompress(http.content), format="nt"), graphs[0])
        bad = CliRunner().invoke(cli, ["export", "--format", "xml.gz"])
        assert bad.exit_code == 2 and "unknown format" in bad.output
    finally:
        get_settings.cache_clear()


def test_sitemap_lists_every_public_page(client: TestClient, backend: Backend) -> None:
    public = make(backend, minimal_input("public-one"))
    make(backend, minimal_input("private-one", owner_org="011002", private=True))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    text = response.text
    assert f"<loc>{BASE}/dataset/{public.name}</loc>" in text
    assert "private-one" not in text
    assert f"<loc>{BASE}/organization/011002</loc>" in text
    assert f"<loc>{BASE}/organization/soumu</loc>" in text
    assert f"<loc>{BASE}/measure/02-22</loc>" in text
    # The web's list pages, and the category pages.
    for path in ("/", "/dataset", "/organization", "/measure", "/category", "/api"):
        assert f"<loc>{BASE}{path}</loc>" in text, path
    assert f"<loc>{BASE}/category/social-security-health</loc>" in text
    # 6 list pages + 1 catalogue + 17 categories + 1,806 organisations + 180 measures
    # + 1 public dataset
    assert text.count("<url>") == 6 + 1 + 17 + 1806 + 180 + 1


def test_large_sitemap_becomes_an_index(
    client: TestClient, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(backend, minimal_input("public-one"))
    monkeypatch.setattr(sitemap_xml, "SITEMAP_LIMIT", 1000)
    index = client.get("/sitemap.xml").text
    assert "<sitemapindex" in index and f"{BASE}/sitemap-2.xml" in index
    parts = [client.get(f"/sitemap-{n}.xml").text for n in (1, 2, 3)]
    assert sum(p.count("<url>") for p in parts) == 6 + 1 + 17 + 1806 + 180 + 1
    assert "public-one" in parts[2]
    assert client.get("/sitemap-4.xml").status_code == 404


def test_plan_vocabulary_dereferences(client: TestClient) -> None:
    turtle = client.get("/ns/plan", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    plan = f"{BASE}/ns/plan#"
    owl = "http://www.w3.org/2002/07/owl#"
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for term in ("kpiProgress", "kpiEffect", "article", "section", "sectionNumber", "inMainText"):
        assert (URIRef(plan + term), rdf_type, URIRef(owl + "DatatypeProperty")) in graph, term
    # Every priority field of the seeded plan is a concept of the vocabulary.
    seed = json.loads((Path(__file__).parents[2] / "seed" / "plan.json").read_text("utf-8"))
    for item in seed["priority_fields"]:
        assert (URIRef(f"{plan}field-{item['id']}"), rdf_type, None) in graph
    html = client.get("/ns/plan")
    assert html.headers["content-type"].startswith("text/html")
    assert 'id="kpiProgress"' in html.text
    jsonld = client.get("/ns/plan.jsonld")
    assert isomorphic(Graph().parse(data=jsonld.text, format="json-ld"), graph)
    assert client.get("/ns/plan.pdf").status_code == 404
