"""Issue 10 items 5-6 on the DCAT source: JSON-LD contexts never fetched by the RDF library,
XML entities refused with a time budget, and the shipped DCAT-AP context kept identical."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from rdflib import URIRef

from app.dcat.jsonld_contexts import KNOWN, ContextRefused, ContextResolver, known_context
from app.dcat.parse import ParseError, parse_document
from tests.conftest import Backend
from tests.dcat.shacl import STANDARDS
from tests.harvest.helpers import add_source, live_names, run, stats
from tests.harvest.servers import FixtureServer, Reply

CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"}
DATASET = {"@id": "https://p.example/dataset/1", "@type": "dcat:Dataset", "dct:title": "一"}


def _context_forms(ctx_url: str) -> dict[str, object]:
    """The three ways a document names a context rdflib would fetch by itself."""
    return {
        "import": {"@import": ctx_url, **CONTEXT},
        "array-of-context": [CONTEXT, {"@context": ctx_url}],
        "scoped": {**CONTEXT, "dct:publisher": {"@id": "dct:publisher", "@context": ctx_url}},
    }


@pytest.mark.parametrize("form", ["import", "array-of-context", "scoped"])
def test_remote_contexts_go_through_the_guarded_client_only(
    backend: Backend, http_server: FixtureServer, form: str
) -> None:
    # The feed is on an allowed host name; the context on a loopback address nobody allowed.
    ctx_url = http_server.url("/private/context.jsonld")
    http_server.route(
        "/private/context.jsonld", Reply(body=json.dumps({"@context": CONTEXT}).encode())
    )
    doc = {"@context": _context_forms(ctx_url)[form], "@graph": [DATASET]}
    http_server.route(
        "/feed.jsonld",
        Reply(body=json.dumps(doc).encode(), headers={"Content-Type": "application/ld+json"}),
    )
    add_source(backend, "ctx", http_server.url("/feed.jsonld", host="localhost"), kind="dcat")
    job = run(backend, "ctx", allowed="localhost")
    assert job.status == "failed"
    assert "refused to connect to 127.0.0.1" in job.message
    assert "/private/context.jsonld" not in http_server.paths()  # rdflib never went there
    # Allowed, the same context is fetched once, by the guarded client, and used.
    job = run(backend, "ctx", allowed="localhost,127.0.0.1")
    assert job.status == "finished" and stats(job) == {"added": 1}, job.message
    assert http_server.paths().count("/private/context.jsonld") == 1


def test_without_a_fetcher_unknown_contexts_are_refused() -> None:
    resolver = ContextResolver(fetch=None)
    for value in _context_forms("http://127.0.0.1:9/c.jsonld").values():
        with pytest.raises(ContextRefused, match="not a known context"):
            resolver.document({"@context": value, "@graph": [DATASET]})


def test_the_dcat_ap_context_comes_from_the_shipped_copy() -> None:
    url = next(u for u in KNOWN if "3.0.1" in u)
    doc = {
        "@context": url,
        "@id": "https://p.example/dataset/2",
        "@type": "Dataset",
        "title": {"@value": "二", "@language": "ja"},
    }
    parsed = parse_document(
        json.dumps(doc).encode(), "json-ld", "https://p.example/", ContextResolver()
    )
    subject = URIRef("https://p.example/dataset/2")
    assert str(parsed.graph.value(subject, URIRef("http://purl.org/dc/terms/title"))) == "二"


@pytest.mark.parametrize(
    ("shipped", "upstream"),
    [
        ("dcat-ap-3.0.1.jsonld", "3.0.1/context/dcat-ap.jsonld"),
        ("dcat-ap-examples.jsonld", "3.0.1/examples/context.jsonld"),
    ],
)
def test_the_shipped_contexts_match_the_standard(shipped: str, upstream: str) -> None:
    ours = Path(__file__).resolve().parents[2] / "app" / "dcat" / "contexts" / shipped
    assert ours.read_bytes() == (STANDARDS / upstream).read_bytes()
    assert known_context(next(u for u, f in KNOWN.items() if f == shipped)) is not None


LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://p.example/dataset/lol"><dct:title>&lol9;</dct:title>
  </dcat:Dataset>
</rdf:RDF>""".encode()


def test_billion_laughs_fails_fast_and_loses_nothing(
    backend: Backend, http_server: FixtureServer
) -> None:
    good = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://p.example/dataset/ok"><dct:title>OK</dct:title></dcat:Dataset>
</rdf:RDF>"""
    body = {"now": good}
    http_server.route(
        "/feed.rdf",
        lambda _s: Reply(body=body["now"], headers={"Content-Type": "application/rdf+xml"}),
    )
    add_source(backend, "laughs", http_server.url("/feed.rdf"), kind="dcat")
    assert stats(run(backend, "laughs")) == {"added": 1}
    body["now"] = BILLION_LAUGHS
    started = time.monotonic()
    job = run(backend, "laughs")
    assert time.monotonic() - started < 10
    assert job.status == "failed" and "entity expansion is off" in job.message
    assert job.stats.deleted == 0 and len(live_names(backend)) == 1


def test_rdfxml_parsing_stops_at_its_time_budget() -> None:
    items = "".join(
        f'<dcat:Dataset rdf:about="https://p.example/d/{i}"><dct:title>{i}</dct:title>'
        "</dcat:Dataset>"
        for i in range(20000)
    )
    doc = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">'
        f"{items}</rdf:RDF>"
    ).encode()
    with pytest.raises(ParseError, match="budget"):
        parse_document(doc, "xml", "https://p.example/", ContextResolver(), budget=0.0)
    assert len(parse_document(doc, "xml", "https://p.example/", ContextResolver()).graph) > 0


def test_a_total_in_non_ascii_digits_is_ignored() -> None:
    # hydra:totalItems "²" passes str.isdigit() but not int(): ignored, not a crashed run.
    from rdflib import BNode, Graph, Literal, URIRef

    from app.dcat.namespaces import HYDRA
    from app.harvest.sources.dcat import _total_items

    graph = Graph()
    graph.add((BNode(), URIRef(HYDRA.totalItems), Literal("²")))
    assert _total_items(graph) is None
    graph.add((BNode(), URIRef(HYDRA.totalItems), Literal("12")))
    assert _total_items(graph) == 12
