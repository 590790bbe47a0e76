"""Issue 13: real DCAT-AP feeds come in whole, in Turtle, RDF/XML and JSON-LD.

Each test harvests a small feed shaped like GovData / opendata.swiss / data.europa.eu records
(tests/harvest/dcat_feeds.py) into a real database, then checks what a user would see: the
dataset's fields, the job's counts and record messages, and our export of the harvested
dataset (tags, precision, kept values, DCAT-AP shapes).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef

from tests.conftest import Backend
from tests.dcat.shacl import date_violations, violations
from tests.harvest.dcat_feeds import (
    BERLIN,
    FORMATS,
    GOVDATA,
    SWISS_AND_BLANK,
    convert,
    feed,
    serve,
)
from tests.harvest.helpers import add_source, dataset, live_names, report, run, stats
from tests.harvest.servers import FixtureServer, Reply

DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _messages(backend: Backend, job_id: str) -> dict[str, str]:
    return {r.remote_key: r.message for r in report(backend, job_id).records}


def _names(backend: Backend) -> dict[str, str]:
    from app.accounts.actor import SYSTEM
    from app.datasets import service as datasets
    from app.db import session_scope

    with session_scope(backend.sessions) as session:
        items = datasets.list_datasets(session, SYSTEM, limit=100).items
    return {d.title: d.name for d in items}


def _export(client: TestClient, name: str) -> Graph:
    response = client.get(f"/dataset/{name}.ttl")
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format="turtle")


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_shaped_feed_is_imported_whole(
    backend: Backend, http_server: FixtureServer, client: TestClient, fmt: str
) -> None:
    url = serve(http_server, "govdata", convert(feed(BERLIN, SWISS_AND_BLANK), fmt), fmt)
    add_source(backend, "govdata", url, kind="dcat", org="011002")
    job = run(backend, "govdata")
    assert job.status == "finished", job.message
    # Every dataset is counted: the IRI one, the blank node with an identifier, the blank
    # node identified by its content.
    assert stats(job) == {"added": 3}
    messages = _messages(backend, job.id)
    hashed = [k for k in messages if k.startswith("sha256:")]
    assert len(hashed) == 1 and "hash of its content" in messages[hashed[0]]
    assert "identifier:niederschlag@meteoschweiz" in messages

    names = _names(backend)
    berlin = dataset(backend, names["Baumbestand Berlin"])
    assert berlin.language == "de"  # from a literal EU authority IRI
    assert berlin.version == "3.1"  # owl:versionInfo
    assert berlin.publisher_name == "Senatsverwaltung für Umwelt Berlin"
    assert berlin.extras["publisher_uri"] == "https://www.berlin.de/sen/uvk/"
    assert [c.name for c in berlin.categories] == ["justice-safety-environment"]  # EU ENVI
    # Dates keep their calendar value: 1 April in Japan is not 31 March in UTC.
    assert str(berlin.temporal_start) == "2019-04-01" and str(berlin.temporal_end) == "2023-12-31"
    assert berlin.contact_email == "umweltatlas@senuvk.berlin.de"
    assert berlin.contact_url == "https://www.berlin.de/umweltatlas/"
    assert berlin.conforms_to == "https://example.org/spec/trees"
    assert berlin.extras[DCT + "conformsTo"] == "DIN 18916"
    assert "Namensnennung" in berlin.extras[DCT + "rights"]
    assert "geonames.org/2950157" in berlin.extras[DCT + "spatial"]
    assert "POINT(13.4 52.5)" in berlin.extras["spatial_geometry"]
    assert berlin.extras["remote_license"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    res = berlin.resources[0]
    assert res.format == "CSV"  # from an IANA media-type IRI in dct:format
    assert res.mimetype == "application/zip"  # the literal "ZIP"
    assert res.hash == "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"  # sha1 by its length
    # No silent loss: predicates no row maps are named, and their values kept.
    said = messages[f"{GOVDATA}/berlin-baumbestand"]
    assert "politicalGeocodingLevelURI not mapped, kept as extra" in said
    assert "licenseAttributionByText not mapped" in said
    assert "data-theme/XYZ is not a known theme" in said
    assert res.extras["http://dcat-ap.de/def/dcatde/licenseAttributionByText"] == (
        "Senatsverwaltung Berlin"
    )

    swiss = dataset(backend, names["Niederschlag"])
    assert swiss.language == "de" and swiss.version == "2"  # adms:version
    assert swiss.extras["title@en"] == "Rainfall observations"
    assert swiss.extras["title@ja-JP"] == "降水量の観測"
    assert swiss.extras["notes@en"] == "Daily measurements."
    air = dataset(backend, names["Air quality 2020"])
    assert air.language == "en"  # lexvo
    assert air.resources[0].format == "GEOJSON"  # a blank node labelled GeoJSON

    # The export re-publishes what was kept, each text with its own tag, dates as written.
    graph = _export(client, berlin.name)
    subject = URIRef(f"http://catalog.test/dataset/{berlin.id}")
    assert graph.value(subject, URIRef(DCT + "title")) == Literal("Baumbestand Berlin", lang="de")
    assert not [o for o in graph.objects(subject, URIRef(DCT + "title")) if o.language == "ja"]
    assert graph.value(subject, URIRef(DCT + "issued")) == Literal(
        "2019", datatype=URIRef(XSD + "gYear")
    )
    assert URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/state") in set(
        graph.objects(subject, URIRef("http://dcat-ap.de/def/dcatde/politicalGeocodingLevelURI"))
    )
    assert URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0") in set(graph.objects())
    period = graph.value(subject, URIRef(DCT + "temporal"))
    assert graph.value(period, URIRef(DCAT + "startDate")) == Literal(
        "2019-04-01T00:00:00+09:00", datatype=URIRef(XSD + "dateTime")
    )
    assert violations(graph) == [] and date_violations(graph) == []
    swiss_graph = _export(client, swiss.name)
    titles = {
        o.language: str(o)
        for o in swiss_graph.objects(None, URIRef(DCT + "title"))
        if isinstance(o, Literal)
        and o.value in ("Niederschlag", "Précipitations", "Rainfall observations", "降水量の観測")
    }
    assert titles == {
        "de": "Niederschlag",
        "fr": "Précipitations",
        "en": "Rainfall observations",
        "ja-JP": "降水量の観測",
    }
    assert violations(swiss_graph) == []
    # The catalogue pages (the streaming writers) publish the harvested records validly too.
    for ext, parser in (("ttl", "turtle"), ("jsonld", "json-ld")):
        page = client.get(f"/catalog.{ext}")
        assert page.status_code == 200, page.text
        whole = Graph().parse(data=page.content, format=parser)
        assert (subject, URIRef(DCT + "rights"), None) in whole
        assert violations(whole) == [] and date_violations(whole) == []


BAD_TAG_RDFXML = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Catalog rdf:about="https://portal.example.jp/catalog">
{datasets}
  </dcat:Catalog>
</rdf:RDF>"""
BAD_TAG_ITEM = """    <dcat:dataset><dcat:Dataset rdf:about="https://portal.example.jp/dataset/{n}">
      <dct:title xml:lang="{lang}">データセット{n}</dct:title>
    </dcat:Dataset></dcat:dataset>"""
BAD_TAG_TTL = (
    '<https://portal.example.jp/dataset/{n}> a dcat:Dataset ; dct:title "データセット{n}"@{lang} .'
)
BAD_TAG_JSONLD = (
    '{{"@id": "https://portal.example.jp/dataset/{n}", "@type": "dcat:Dataset", '
    '"dct:title": {{"@value": "データセット{n}", "@language": "{lang}"}}}}'
)


def _bad_tag_feed(fmt: str) -> bytes:
    langs = ["ja", "ja_JP", "en"]
    if fmt == "rdf":
        items = "\n".join(BAD_TAG_ITEM.format(n=n, lang=lang) for n, lang in enumerate(langs))
        return BAD_TAG_RDFXML.format(datasets=items).encode()
    if fmt == "ttl":
        return feed(*(BAD_TAG_TTL.format(n=n, lang=lang) for n, lang in enumerate(langs))).encode()
    graph = ",".join(BAD_TAG_JSONLD.format(n=n, lang=lang) for n, lang in enumerate(langs))
    return (
        '{"@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},'
        f' "@graph": [{graph}]}}'
    ).encode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_malformed_language_tag_does_not_fail_the_feed(
    backend: Backend, http_server: FixtureServer, fmt: str
) -> None:
    add_source(backend, "portal", serve(http_server, "bad", _bad_tag_feed(fmt), fmt), kind="dcat")
    job = run(backend, "portal")
    assert job.status == "finished", job.message
    assert stats(job) == {"added": 3}
    said = _messages(backend, job.id)["https://portal.example.jp/dataset/1"]
    assert "language tag 'ja_JP' repaired to 'ja-JP'" in said
    assert dataset(backend, _names(backend)["データセット1"]).title == "データセット1"


def test_unreadable_record_is_errored_and_the_rest_imported(
    backend: Backend, http_server: FixtureServer
) -> None:
    body = feed(
        '<https://p.example/dataset/ok> a dcat:Dataset ; dct:title "読める"@ja ; '
        'dct:issued "not a date"^^xsd:date .',
        # A byte size past any integer: reading it raises (OverflowError), for this record only.
        '<https://p.example/dataset/bad> a dcat:Dataset ; dct:title "壊れた"@ja ; '
        "dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://p.example/f> ; "
        'dcat:byteSize "1.5e400" ] .',
    )
    add_source(backend, "plain", serve(http_server, "p", body.encode(), "ttl"), kind="dcat")
    job = run(backend, "plain")
    assert job.status == "finished"
    assert stats(job) == {"added": 1, "errored": 1}
    said = _messages(backend, job.id)["https://p.example/dataset/bad"]
    assert "unreadable dataset: OverflowError" in said
    assert list(_names(backend)) == ["読める"]
    ok = _messages(backend, job.id)["https://p.example/dataset/ok"]
    assert "'not a date' is not a valid http://www.w3.org/2001/XMLSchema#date" in ok


@pytest.mark.parametrize(
    ("body", "fmt", "expected"),
    [
        (b"<html><body>Maintenance</body></html>", "ttl", "invalid RDF (turtle)"),
        (b"<html><body>Maintenance</body>", "rdf", "not well-formed XML"),
        (b"{not json", "jsonld", "invalid RDF (json-ld)"),
    ],
)
def test_a_document_that_is_not_rdf_fails_the_job_and_loses_nothing(
    backend: Backend, http_server: FixtureServer, body: bytes, fmt: str, expected: str
) -> None:
    good = convert(feed(BERLIN), fmt)
    reply = {"body": good}
    http_server.route(
        f"/feed.{fmt}",
        lambda _s: Reply(body=reply["body"], headers={"Content-Type": "text/plain"}),
    )
    add_source(backend, "govdata", http_server.url(f"/feed.{fmt}"), kind="dcat")
    assert stats(run(backend, "govdata")) == {"added": 1}
    reply["body"] = body
    job = run(backend, "govdata")
    assert job.status == "failed" and expected in job.message
    assert job.stats.deleted == 0 and len(live_names(backend)) == 1


def test_the_api_shows_the_readers_language(
    backend: Backend, http_server: FixtureServer, client: TestClient
) -> None:
    url = serve(http_server, "swiss", convert(feed(SWISS_AND_BLANK), "ttl"), "ttl")
    add_source(backend, "swiss", url, kind="dcat", org="011002")
    assert run(backend, "swiss").status == "finished"
    name = _names(backend)["Niederschlag"]

    def title(lang: str | None) -> str:
        params = {"lang": lang} if lang else {}
        response = client.get(f"/api/v1/datasets/{name}", params=params)
        assert response.status_code == 200, response.text
        return str(response.json()["title"])

    assert title(None) == "Niederschlag"
    assert title("fr") == "Précipitations"
    assert title("EN-gb") == "Niederschlag"  # basic filtering: en-GB is not in en
    assert title("en") == "Rainfall observations"
    assert title("ja") == "降水量の観測"  # ja matches ja-JP
    listed = client.get("/api/v1/datasets", params={"lang": "it", "q": "Niederschlag"}).json()
    assert "Precipitazioni" in [d["title"] for d in listed["items"]]
    assert client.get(f"/api/v1/datasets/{name}", params={"lang": "ja_JP!"}).status_code == 422
