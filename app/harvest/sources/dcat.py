"""DCAT sources: one RDF document, or a catalogue paged with hydra (nextPage), in Turtle,
RDF/XML, JSON-LD or N-Triples (chosen by config `format`, else Content-Type, else the URL).

Datasets are read with the DCAT layer's own mapping (`app.dcat.graph.read_dataset`, the
table the export uses), one page (one parsed graph) at a time. Identity is the dataset URI,
else (blank nodes) its dct:identifier, else a content hash; dct:identifier also flags the same
dataset arriving from two sources. Each record is read in isolation: one that can't be read is
counted as errored with the reason, and what was repaired or kept is said in its message.
Every run is a full run (DCAT has no standard "changed since"), so datasets missing from a
complete read are deletion candidates. Documents are parsed by `app.dcat.parse` (no XML
entities, a time budget; JSON-LD contexts from shipped copies or the guarded client, never
fetched by the RDF library itself).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from app.dcat.formats import BY_EXT, FORMATS
from app.dcat.graph import all_dataset_subjects, dataset_identifier, read_dataset
from app.dcat.jsonld_contexts import ContextRefused, ContextResolver
from app.dcat.namespaces import DCAT, HYDRA
from app.dcat.parse import Parsed, ParseError, parse_document
from app.errors import AppError
from app.harvest.fetch import Fetched, GuardedClient
from app.harvest.importer import content_hash
from app.harvest.schemas import SourceConfig
from app.harvest.sources.base import LoopGuard, Page, RemoteRecord, RunPlan, SourceError

ACCEPT = (
    "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, "
    "application/n-triples;q=0.7, application/json;q=0.5, */*;q=0.1"
)
PARSERS: dict[str, str] = {mt: f.parser for f in FORMATS for mt in f.accept}
PARSERS.update({"application/xml": "xml", "text/xml": "xml", "text/n3": "n3"})
NEXT = (URIRef(HYDRA.nextPage), URIRef(f"{HYDRA.ns}next"))


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


def _node_hash(graph: Graph, subject: Node) -> str:
    """A key for a record that could not be read and has no IRI or identifier."""
    lines = sorted(f"{p.n3()} {o.n3()}" for p, o in graph.predicate_objects(subject))
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _repair_notes(graph: Graph, subject: Node, repairs: Mapping[str, str]) -> list[str]:
    """The language tags repaired or dropped in the literals of this dataset's nodes."""
    if not repairs:
        return []
    nodes = [subject, *graph.objects(subject, URIRef(DCAT.distribution))]
    tags = {
        lit.language
        for n in nodes
        for _p, lit in graph.predicate_objects(n)
        if isinstance(lit, Literal)
    }
    said = [
        f"language tag {bad!r} repaired to {good!r}"
        for bad, good in sorted(repairs.items())
        if good and good in tags
    ]
    dropped = [bad for bad, good in sorted(repairs.items()) if not good]
    if dropped:
        said.append(f"malformed language tags dropped in the document: {', '.join(dropped)}")
    return said


def _total_items(graph: Graph) -> int | None:
    for value in graph.objects(None, URIRef(HYDRA.totalItems)):
        if isinstance(value, Literal) and str(value).isascii() and str(value).isdigit():
            return int(str(value))
    return None


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
        # hydra:totalItems of the collection, when the first page states it (previews).
        self.total: int | None = None
        # JSON-LD contexts: shipped copies first, else through the guarded client, never
        # by the RDF library (issue 10 item 5).
        self.contexts = ContextResolver(self._fetch_context)

    def _fetch_context(self, url: str) -> bytes:
        return self.client.get(url, headers={"Accept": "application/ld+json"}).content

    def _graph(self, fetched: Fetched) -> Parsed:
        parser = parser_for(self.config.format, fetched)
        try:
            return parse_document(fetched.content, parser, fetched.url, self.contexts)
        except ContextRefused as exc:
            raise SourceError(f"JSON-LD context refused in {fetched.url}: {exc}") from exc
        except ParseError as exc:
            raise SourceError(f"{exc} (from {fetched.url})"[:500]) from exc

    def _record(self, parsed: Parsed, subject: Node) -> RemoteRecord:
        """One dataset, isolated: whatever goes wrong is this record's error, not the job's.

        Identity: the dataset IRI; for a blank node its dct:identifier; else a hash of its
        content, which can't be updated, only replaced (the record says so)."""
        graph = parsed.graph
        uri = str(subject) if isinstance(subject, URIRef) else None
        identifier = dataset_identifier(graph, subject)
        key = uri or (f"identifier:{identifier}" if identifier else "")
        rec = RemoteRecord(key=key, remote_id=uri or identifier, remote_uri=uri, url=uri or "")
        try:
            rec.data, rec.identifier, notes = read_dataset(graph, subject, self.licenses)
        except AppError as exc:
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            rec.error = f"{exc.message}{' (' + details + ')' if details else ''}"
            rec.key = rec.key or _node_hash(graph, subject)
            return rec
        except Exception as exc:  # one unreadable record must not stop the feed
            rec.error = f"unreadable dataset: {type(exc).__name__}: {exc}"[:500]
            rec.key = rec.key or _node_hash(graph, subject)
            return rec
        if not rec.key:
            rec.key = "sha256:" + content_hash(rec.data)
            notes.insert(
                0,
                "no IRI and no dct:identifier: identified by a hash of its content, so a "
                "change arrives as a new dataset (the old one is deleted), never as an update",
            )
        rec.notes = _repair_notes(graph, subject, parsed.repairs) + notes
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
            parsed = self._graph(fetched)
            self.total = _total_items(parsed.graph)
            yield Page([self._record(parsed, s) for s in all_dataset_subjects(parsed.graph)])
            url = next((str(o) for p in NEXT for o in parsed.graph.objects(None, p)), None)
        else:
            raise SourceError(
                f"more than {self.config.max_pages} pages: stopped (config max_pages)"
            )
        self.complete = True

    def lookup(self, keys: list[str]) -> dict[str, RemoteRecord | None]:
        return {}  # no per-record endpoint: absence from a complete read counts
