"""DCAT sources: one RDF document, or a catalogue paged with hydra (nextPage), in Turtle,
RDF/XML, JSON-LD or N-Triples (chosen by config `format`, else Content-Type, else the URL).

Datasets are read with the DCAT layer's own mapping (`app.dcat.graph.dataset_from_graph`, the
table the export uses), one page (one parsed graph) at a time. Identity is the dataset URI;
dct:identifier serves to flag the same dataset arriving from two sources. Every run is a full
run (DCAT has no standard "changed since"), so datasets missing from a complete read are
deletion candidates. Remote JSON-LD contexts are fetched through the guarded client, never
by the RDF parser itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from rdflib import Graph, URIRef
from rdflib.term import Node

from app.dcat.formats import BY_EXT, FORMATS
from app.dcat.graph import dataset_from_graph, dataset_subjects
from app.dcat.namespaces import HYDRA
from app.errors import AppError
from app.harvest.fetch import Fetched, GuardedClient
from app.harvest.schemas import SourceConfig
from app.harvest.sources.base import LoopGuard, Page, RemoteRecord, RunPlan, SourceError

ACCEPT = (
    "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, "
    "application/n-triples;q=0.7, application/json;q=0.5, */*;q=0.1"
)
PARSERS: dict[str, str] = {mt: f.parser for f in FORMATS for mt in f.accept}
PARSERS.update({"application/xml": "xml", "text/xml": "xml", "text/n3": "n3"})
NEXT = (URIRef(HYDRA.nextPage), URIRef(f"{HYDRA.ns}next"))
MAX_CONTEXT_DEPTH = 4


def parser_for(config_format: str | None, fetched: Fetched) -> str:
    if config_format:
        fmt = BY_EXT.get(config_format.lstrip("."))
        return fmt.parser if fmt else config_format
    if fetched.media_type in PARSERS:
        return PARSERS[fetched.media_type]
    path = fetched.url.split("?", 1)[0]
    for fmt in FORMATS:
        if path.endswith(f".{fmt.ext}"):
            return fmt.parser
    return "turtle"


def _uuid_or_none(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


class DcatSource:
    def __init__(
        self,
        url: str,
        config: SourceConfig,
        client: GuardedClient,
        licenses: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url
        self.config = config
        self.client = client
        self.licenses = dict(licenses or {})
        self.complete = False
        self.cursor: str | None = None
        self._contexts: dict[str, Any] = {}

    # JSON-LD: remote contexts come through the guarded client and are inlined.

    def _remote_context(self, url: str, depth: int) -> Any:
        if url not in self._contexts:
            fetched = self.client.get(url, headers={"Accept": "application/ld+json"})
            try:
                doc = orjson.loads(fetched.content)
            except orjson.JSONDecodeError as exc:
                raise SourceError(f"invalid JSON-LD context at {url}: {exc}") from exc
            context = doc.get("@context", {}) if isinstance(doc, dict) else {}
            self._contexts[url] = self._inline(context, depth + 1)
        return self._contexts[url]

    def _inline(self, context: Any, depth: int) -> Any:
        if depth > MAX_CONTEXT_DEPTH:
            raise SourceError("JSON-LD contexts nested too deep")
        if isinstance(context, str):
            return self._remote_context(context, depth)
        if isinstance(context, list):
            return [self._inline(c, depth) for c in context]
        return context

    def _inline_all(self, node: Any, depth: int = 0) -> Any:
        if isinstance(node, dict):
            return {
                k: self._inline(v, depth) if k == "@context" else self._inline_all(v, depth)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [self._inline_all(v, depth) for v in node]
        return node

    def _graph(self, fetched: Fetched) -> Graph:
        parser = parser_for(self.config.format, fetched)
        graph = Graph()
        try:
            if parser == "json-ld":
                doc = self._inline_all(orjson.loads(fetched.content))
                graph.parse(data=orjson.dumps(doc), format="json-ld", publicID=fetched.url)
            else:
                graph.parse(data=fetched.content, format=parser, publicID=fetched.url)
        except SourceError:
            raise
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            raise SourceError(
                f"invalid RDF ({parser}) from {fetched.url}: {type(exc).__name__}: {exc}"[:500]
            ) from exc
        return graph

    def _record(self, graph: Graph, subject: Node) -> RemoteRecord:
        uri = str(subject)
        rec = RemoteRecord(key=uri, remote_id=uri, remote_uri=uri, url=uri)
        try:
            rec.data, rec.identifier = dataset_from_graph(graph, subject, self.licenses)
        except AppError as exc:
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            rec.error = f"{exc.message}{' (' + details + ')' if details else ''}"
            return rec
        rec.wanted_id = _uuid_or_none(rec.identifier)
        rec.remote_org = rec.data.owner_org
        rec.modified = rec.data.modified
        return rec

    def pages(self, plan: RunPlan) -> Iterator[Page]:
        guard = LoopGuard("the catalogue's hydra paging")
        url: str | None = self.url
        for _page in range(self.config.max_pages):
            if url is None:
                break
            guard.visit(url)
            fetched = self.client.get(url, headers={"Accept": ACCEPT})
            graph = self._graph(fetched)
            yield Page([self._record(graph, s) for s in dataset_subjects(graph)])
            url = next((str(o) for p in NEXT for o in graph.objects(None, p)), None)
        else:
            raise SourceError(
                f"more than {self.config.max_pages} pages: stopped (config max_pages)"
            )
        self.complete = True

    def lookup(self, keys: list[str]) -> dict[str, RemoteRecord | None]:
        return {}  # no per-record endpoint: absence from a complete read counts
