"""Issue 13's round trip: our export of rich records, rewritten the way other portals write
DCAT (blank-node datasets, schema: dates, https format IRIs, literal languages, RDF/XML or
JSON-LD), harvested into a catalogue, gives the same records field by field.

The first catalogue is the export of sample records (tests/dcat/samples.py); the second is
the test database, filled by a real harvest over HTTP.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from app.datasets.schemas import DatasetOut
from app.dcat import documents
from app.dcat.codec import Emission
from app.dcat.formats import BY_EXT
from app.dcat.graph import all_dataset_subjects, license_index, read_dataset, to_graph
from app.dcat.jsonld_contexts import ContextResolver
from app.dcat.parse import parse_document
from tests.conftest import Backend
from tests.dcat.samples import CTX, dataset, full_dataset
from tests.harvest.dcat_feeds import MEDIA, RDFLIB
from tests.harvest.helpers import add_source, run, stats
from tests.harvest.helpers import dataset as stored
from tests.harvest.servers import FixtureServer, Reply

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EU_FILE = "http://publications.europa.eu/resource/authority/file-type/"
COMPARED = (
    "name", "title", "notes", "tags", "contact_name", "contact_email", "contact_url",
    "frequency", "language", "spatial", "spatial_code", "temporal_start", "temporal_end",
    "issued", "modified", "url", "version", "conforms_to", "standard_kind", "author",
    "author_email", "maintainer", "maintainer_email", "publisher_name",
)  # fmt: skip
RESOURCE_FIELDS = (
    "name", "description", "url", "download_url", "format", "mimetype", "size", "hash",
    "created", "last_modified",
)  # fmt: skip


def rich_records() -> list[DatasetOut]:
    """Every field, several languages, every date precision."""
    full = full_dataset()
    # Texts and URLs a catalogue stores as given (the samples' hostile characters are the
    # text cleaner's business, tested there).
    resources = [
        full.resources[0].model_copy(
            update={
                "description": "全件。",
                "url": "https://www.city.sapporo.jp/opendata/aed-list.csv",
                "download_url": "https://www.city.sapporo.jp/opendata/aed.csv",
            }
        ),
        full.resources[1].model_copy(update={"format": "GEOJSON 形式"}),  # stored upper-case
    ]
    full = full.model_copy(
        update={
            "notes": "札幌市内のAED設置箇所。\n毎月更新します。",
            "tags": ["AED", "救急"],
            "resources": resources,
            "extras": {
                "title@en": "AED locations in Sapporo",
                "notes@en": "AED locations in the city.",
                "title@zh-Hant": "札幌市AED設置地點",
                "issued_as_written": "2020",
                "temporal_start_as_written": "2020-04",
                "temporal_end_as_written": "2024",
            },
            "issued": datetime(2020, 1, 1),
            "temporal_start": date(2020, 4, 1),
            "temporal_end": date(2024, 12, 31),
        }
    )
    german = dataset(
        "3c0f5a9e-8d7b-4e1a-9f2c-5b6a7d8e9f01",
        name="baumbestand",
        title="Baumbestand",
        notes="Bäume der Stadt.",
        language="de",
        modified=datetime(2024, 2, 1),
        extras={"modified_as_written": "2024-02", "title@fr": "Arbres"},
    )
    return [full, german]


def export(records: list[DatasetOut]) -> Graph:
    out = Emission()
    for ds in records:
        documents.dataset(ds, CTX, out)
    return to_graph(out.take())


def rewrite(graph: Graph) -> Graph:
    """The way other portals write the same records."""
    blanks: dict[Node, BNode] = {
        s: BNode() for s in graph.subjects(RDF_TYPE, URIRef(DCAT + "Dataset"))
    }
    renames = {URIRef(DCAT + "startDate"): URIRef(SCHEMA + "startDate"),
               URIRef(DCAT + "endDate"): URIRef(SCHEMA + "endDate")}  # fmt: skip
    out = Graph()
    for s, p, o in graph:
        s = blanks.get(s, s)
        o = blanks.get(o, o)
        p = renames.get(p, p)  # type: ignore[arg-type]
        if p == URIRef(DCT + "format") and str(o).startswith(EU_FILE):
            o = URIRef("https://" + str(o)[len("http://") :])
        if p == URIRef(DCT + "language") and isinstance(o, URIRef):
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def _expected(ds: DatasetOut, field: str) -> Any:
    """What the first catalogue publishes: issued/modified fall back to the record's own
    creation/modification time (DCAT-AP wants them; terms.py says so)."""
    if field == "issued":
        return ds.issued or ds.metadata_created
    if field == "modified":
        return ds.modified or ds.metadata_modified
    return getattr(ds, field)


def _same(harvested: DatasetOut, original: DatasetOut) -> None:
    for field in COMPARED:
        assert getattr(harvested, field) == _expected(original, field), field
    assert [c.name for c in harvested.categories] == [c.name for c in original.categories]
    assert [m.name for m in harvested.measures] == [m.name for m in original.measures]
    for key, value in original.extras.items():
        assert harvested.extras.get(key) == value, key
    assert (harvested.license.id if harvested.license else None) == (
        original.license.id if original.license else None
    )
    assert len(harvested.resources) == len(original.resources)
    for got, want in zip(harvested.resources, original.resources, strict=True):
        for field in RESOURCE_FIELDS:
            assert getattr(got, field) == getattr(want, field), f"resource {field}"


@pytest.mark.parametrize("fmt", ["rdf", "jsonld", "ttl"])
def test_rewritten_export_harvests_into_the_same_records(
    backend: Backend, http_server: FixtureServer, fmt: str
) -> None:
    records = rich_records()
    body = rewrite(export(records)).serialize(format=RDFLIB[fmt]).encode()
    http_server.route("/other.x", Reply(body=body, headers={"Content-Type": MEDIA[fmt]}))
    add_source(backend, "other", http_server.url("/other.x"), kind="dcat", org="011002")
    job = run(backend, "other")
    assert job.status == "finished", job.message
    assert stats(job) == {"added": len(records)}
    for original in records:
        _same(stored(backend, original.id), original)


LANGS = st.sampled_from(["en", "fr", "de", "zh-Hant", "ko", "en-GB", "it"])
WRITTEN = st.sampled_from(
    [("2021", date(2021, 1, 1)), ("2021-07", date(2021, 7, 1)), (None, date(2021, 7, 9))]
)


@settings(max_examples=40, deadline=None)
@given(
    others=st.dictionaries(
        LANGS,
        st.text(alphabet="abcxyzÄé漢字 ", min_size=1, max_size=12).map(str.strip).filter(bool),
        max_size=3,
    ),
    own=st.sampled_from(["ja", "de", "en"]),
    start=WRITTEN,
    fmt=st.sampled_from(["xml", "json-ld", "turtle"]),
)
def test_property_any_languages_and_precisions_read_back(
    others: dict[str, str], own: str, start: tuple[str | None, date], fmt: str
) -> None:
    """Graph level (no database), many shapes: what the export wrote, the reader gives back."""
    written, day = start
    extras = {f"title@{tag}": text for tag, text in others.items() if tag != own}
    if written:
        extras["temporal_start_as_written"] = written
    ds = dataset(title="主題", language=own, temporal_start=day, extras=extras)
    graph = rewrite(export([ds]))
    ext = {"xml": "rdf", "json-ld": "jsonld", "turtle": "ttl"}[fmt]
    body = graph.serialize(format=RDFLIB[ext]).encode()
    parsed = parse_document(body, BY_EXT[ext].parser, "https://other.example/", ContextResolver())
    (subject,) = all_dataset_subjects(parsed.graph)
    data, _identifier, notes = read_dataset(parsed.graph, subject, license_index([]))
    assert data.title == "主題" and (data.language or "ja") == own
    assert data.temporal_start == day
    assert {k: v for k, v in (data.extras or {}).items() if k in extras} == extras
    assert notes == []
