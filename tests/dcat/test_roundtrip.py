"""The mapping table works both ways: every row read back from the RDF gives what was written."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from rdflib import Graph, URIRef

from app.datasets.schemas import DatasetCreate, ResourceIn
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.formats import FORMATS
from app.dcat.graph import (
    dataset_dict_from_graph,
    dataset_from_graph,
    dataset_subjects,
    license_index,
    measure_dict_from_graph,
    organization_dict_from_graph,
)
from app.dcat.stream import render
from app.dcat.terms import (
    CATEGORY_TERMS,
    DATASET_TERMS,
    DISTRIBUTION_TERMS,
    ORGANIZATION_TERMS,
    measure_terms,
)
from tests.dcat.samples import (
    CTX,
    NASTY,
    categories,
    dataset,
    full_dataset,
    measure,
    organization,
)

LICENSES = license_index(CTX.licenses.values())
# DatasetCreate fields with no DCAT mapping, on purpose: visibility and workflow state are
# never published (only public, active datasets are). Extras hold what a harvest kept (other
# languages, precisions, values no row maps); see tests/dcat/test_fidelity.py.
NOT_PUBLISHED = {"private", "state"}


def _parsed(build: object, fmt_ext: str = "ttl") -> Graph:
    out = Emission()
    assert callable(build)
    build(out)
    fmt = next(f for f in FORMATS if f.ext == fmt_ext)
    return Graph().parse(data=render(fmt, CTX.plan_ns, out.take()), format=fmt.parser)


FULL_EXPECTED = {
    "name": "sapporo-aed",
    "title": "札幌市AED設置箇所一覧",
    "notes": "札幌市内のAED設置箇所。\n毎月更新します。" + NASTY,
    "tags": sorted(["AED", "救急", NASTY]),
    "categories": ["social-security-health"],
    "owner_org": "011002",
    "contact_name": "札幌市 ICT推進課",
    "contact_email": "opendata@city.sapporo.jp",
    "contact_url": "https://www.city.sapporo.jp/contact",
    "frequency": "MONTHLY",
    "language": "ja",
    "spatial": "北海道札幌市",
    "spatial_code": "011002",
    "temporal_start": date(2020, 4, 1),
    "temporal_end": date(2024, 3, 31),
    "issued": datetime(2020, 4, 1, 0, 0),
    "modified": datetime(2024, 4, 1, 9, 30, 15, 250000),
    "license_id": "cc-by-4.0",
    "url": "https://www.city.sapporo.jp/opendata/aed.html",
    "version": "2024.1",
    "conforms_to": "https://example.org/spec/aed-v2",
    "standard_kind": "aed",
    "author": "札幌市 保健福祉局",
    "author_email": "hoken@city.sapporo.jp",
    "maintainer": "札幌市 ICT推進課",
    "maintainer_email": "ict@city.sapporo.jp",
    "publisher_name": "札幌市 まちづくり政策局",
    "measures": ["02-22"],
}
RESOURCES_EXPECTED = [
    {
        "id": "5f1c8b9e-6b1a-4a77-8a3f-0c1d2e3f4a51",
        "name": "AED一覧 (CSV)",
        "description": "全件。" + NASTY,
        # Characters an IRI cannot hold are percent-encoded, never emitted raw.
        "url": "https://www.city.sapporo.jp/opendata/aed%20list.csv",
        "download_url": "https://www.city.sapporo.jp/opendata/aed.csv?x=%22y%22&z=%3C1%3E",
        "format": "CSV",
        "mimetype": "text/csv",
        "size": 123456,
        "hash": "9e107d9d372bb6826bd81d3542a419d6",
        "license_id": "pdl-1.0",
        "language": "ja",
        "created": datetime(2020, 4, 1, 0, 0),
        "last_modified": datetime(2024, 4, 1, 9, 30),
    },
    {
        # Its licence is the dataset's (inherited), so none of its own comes back.
        "id": "6a2d9c0f-7c2b-4b88-9b4f-1d2e3f4a5b62",
        "name": "AED地図",
        "url": "https://www.city.sapporo.jp/opendata/aed.geojson",
        "format": "GeoJSON 形式",
        "hash": "sha256:" + "ab" * 16,
        "created": datetime(2021, 1, 1, 0, 0),
    },
]


@pytest.mark.parametrize("ext", [f.ext for f in FORMATS])
def test_every_dataset_row_round_trips(ext: str) -> None:
    ds = full_dataset()
    graph = _parsed(lambda out: documents.dataset(ds, CTX, out), ext)
    back = dataset_dict_from_graph(graph, URIRef(CTX.dataset(ds.id)), LICENSES)
    covered = {field for term in DATASET_TERMS for field in term.fields}
    covered -= {"id", "resources", "extras"}
    assert covered == set(FULL_EXPECTED), "a row of the table has no case in this test"
    for field in covered:
        assert back.get(field) == FULL_EXPECTED[field], field
    # Our own export leaves nothing unread: no extras kept, nothing to report.
    assert back.get("extras", {}) == {}
    assert back["resources"] == RESOURCES_EXPECTED
    created, identifier = dataset_from_graph(graph, URIRef(CTX.dataset(ds.id)), LICENSES)
    assert identifier == ds.id
    assert created.resources is not None and created.resources[0] == ResourceIn(
        **RESOURCES_EXPECTED[0]
    )


def test_every_distribution_row_has_a_case() -> None:
    covered = {field for term in DISTRIBUTION_TERMS for field in term.fields}
    assert covered - {"extras"} | {"id"} == set(RESOURCES_EXPECTED[0])
    assert set(ResourceIn.model_fields) - covered == {"id"}


def test_every_dataset_field_is_mapped_or_deliberately_not() -> None:
    covered = {field for term in DATASET_TERMS for field in term.fields}
    assert set(DatasetCreate.model_fields) - covered == NOT_PUBLISHED


def test_minimal_dataset_round_trips_and_gets_dcat_ap_fallbacks() -> None:
    ds = dataset()
    graph = _parsed(lambda out: documents.dataset(ds, CTX, out))
    back = dataset_dict_from_graph(graph, URIRef(CTX.dataset(ds.id)), LICENSES)
    # An empty description is written as the title (DCAT-AP requires one) and read back empty;
    # issued/modified fall back to the catalogue record's times, as ckanext-dcat does.
    assert back == {
        "name": "minimal-dataset",
        "title": "最小のデータセット",
        "notes": "",
        "owner_org": "soumu",
        "language": "ja",
        "issued": ds.metadata_created,
        "modified": ds.metadata_modified,
        "resources": [],
    }
    assert dataset_subjects(graph) == [URIRef(CTX.dataset(ds.id))]


def test_licence_on_distributions_only_becomes_the_dataset_licence() -> None:
    # A DCAT-AP source puts licences on distributions: one shared licence is the dataset's.
    ds = full_dataset()
    graph = _parsed(lambda out: documents.dataset(ds, CTX, out))
    subject = URIRef(CTX.dataset(ds.id))
    graph.remove((subject, URIRef("http://purl.org/dc/terms/license"), None))
    for dist in graph.objects(subject, URIRef("http://www.w3.org/ns/dcat#distribution")):
        graph.set(
            (dist, URIRef("http://purl.org/dc/terms/license"), URIRef(CTX.licenses["pdl-1.0"].uri))
        )
    back = dataset_dict_from_graph(graph, subject, LICENSES)
    assert back["license_id"] == "pdl-1.0"
    assert all("license_id" not in r for r in back["resources"])


def test_measure_rows_round_trip() -> None:
    m = measure()
    graph = _parsed(lambda out: documents.measure(m, CTX, out))
    back = measure_dict_from_graph(graph, URIRef(CTX.measure(m.id)), CTX.plan_ns)
    covered = {field for term in measure_terms(CTX.plan_ns) for field in term.fields}
    assert set(back) == covered
    assert back == {
        "id": "02-22",
        "title": m.title,
        "summary": m.summary,
        "ministries": [
            {"name": "総務省", "lead": False},
            {"name": "経済産業省", "lead": True},
            {"name": "関係府省庁", "lead": False},
        ],
        "priority_fields": [{"id": "health-medical-care", "name": "健康・医療・介護"}],
        "kpi_progress": "公開自治体数",
        "kpi_effect": "利用件数",
        "in_main_text": True,
        "section": 2,
        "section_title": "オープンデータの促進",
        "article": "第11条第1項・第2項",
    }
    # The first lead ministry publishes; the other organisations contribute.
    publisher = graph.value(URIRef(CTX.measure(m.id)), URIRef("http://purl.org/dc/terms/publisher"))
    assert publisher == URIRef(CTX.organization("meti"))
    contributors = set(
        graph.objects(URIRef(CTX.measure(m.id)), URIRef("http://purl.org/dc/terms/contributor"))
    )
    assert contributors == {URIRef(CTX.organization("soumu"))}


def test_organization_rows_round_trip() -> None:
    org = organization()
    graph = _parsed(lambda out: documents.organization(org, CTX, out))
    back = organization_dict_from_graph(graph, URIRef(CTX.organization(org.name)))
    covered = {field for term in ORGANIZATION_TERMS for field in term.fields}
    assert set(back) == covered | {"name"}
    assert back == {
        "name": "011002",
        "title": org.title,
        "title_en": org.title_en,
        "kana": org.kana,
        "description": org.description,
        "homepage": org.homepage,
        "kind": "municipality",
        "code": "011002",
    }
    # The e-Stat standard area code URI: C + the first five digits of the code.
    spatial = graph.value(
        URIRef(CTX.organization(org.name)), URIRef("http://purl.org/dc/terms/spatial")
    )
    assert spatial == URIRef("http://data.e-stat.go.jp/lod/sac/C01100")


def test_category_rows_round_trip() -> None:
    from app.dcat.codec import ReadScope, read_all

    cat = categories()[1]
    graph = _parsed(lambda out: documents.category(cat, CTX, out))
    back = read_all(CATEGORY_TERMS, URIRef(CTX.category(cat.name)), ReadScope(graph))
    assert back == {"title": cat.title, "title_en": cat.title_en}
