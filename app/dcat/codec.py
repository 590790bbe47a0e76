"""The codec protocol of the mapping table, and the state both directions carry.

A codec maps one row of the table both ways: `emit` writes the triples of a record's field(s),
`read` gets the same field(s) back from a parsed graph. Export and import loop over the same
rows, so the two directions cannot drift apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from app.dcat import langtags
from app.dcat.context import Context
from app.dcat.dates import read_written
from app.dcat.namespaces import RDF
from app.dcat.triples import Iri, LitTuple, Triple
from app.timeutil import parse_when


class Emission:
    """The triples of one document (or one dataset of a stream) and the shared nodes described.

    Shared nodes (publishers, licences, concepts, vocabulary terms) are described once per
    `seen` set: per document, or per export, where the set stays bounded by the reference data.
    """

    __slots__ = ("dataset", "seen", "triples")

    def __init__(self, seen: set[tuple[str, str]] | None = None) -> None:
        self.triples: list[Triple] = []
        # (kind or class, node IRI) of the shared nodes described so far.
        self.seen: set[tuple[str, str]] = seen if seen is not None else set()
        # The dataset whose distributions are being written (licence inheritance).
        self.dataset: Any = None

    def add(self, s: str, p: str, o: Iri | LitTuple) -> None:
        self.triples.append((s, p, o))

    def first(self, key: tuple[str, str]) -> bool:
        """True the first time a shared node is met: describe it then, never again."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def typed(self, node: Iri, cls: str, *, shared: bool = True) -> bool:
        """Type a linked node (the range shapes want it); True if it was new."""
        if shared:
            key = (cls, node)
            if key in self.seen:
                return False
            self.seen.add(key)
        self.triples.append((node, _RDF_TYPE, _class_iri(cls)))
        return True

    def take(self) -> list[Triple]:
        out, self.triples = self.triples, []
        return out


_RDF_TYPE = RDF.type
_CLASSES: dict[str, Iri] = {}


def _class_iri(cls: str) -> Iri:
    found = _CLASSES.get(cls)
    if found is None:
        found = _CLASSES[cls] = Iri(cls)
    return found


@dataclass
class ReadScope:
    """What `read` needs besides the graph: licence URIs -> ids, the dataset's licence, the
    dataset's language (texts in it are picked first), and the notes a harvest reports."""

    graph: Graph
    licenses: Mapping[str, str] = field(default_factory=dict)
    # The licence id read from the dataset, which a distribution without its own inherits.
    dataset_license: str | None = None
    # The dataset's licence IRI when it is not one of ours (kept as the remote licence).
    dataset_remote_license: str | None = None
    # BCP 47 tag of the dataset's language (from dct:language), "ja" when it gives none.
    language: str = "ja"
    # What was repaired, dropped or kept while reading (said in the harvest record's message).
    notes: list[str] = field(default_factory=list)

    def objects(self, s: Node, p: str) -> list[Node]:
        return sorted(self.graph.objects(s, _uri(p)), key=_sort_key)

    def subjects(self, p: str, o: Node) -> list[Node]:
        return sorted(self.graph.subjects(_uri(p), o), key=_sort_key)

    def value(self, s: Node, p: str) -> Node | None:
        found = self.objects(s, p)
        return found[0] if found else None

    def iris(self, s: Node, p: str) -> list[str]:
        return [str(o) for o in self.objects(s, p) if isinstance(o, URIRef)]

    def text(self, s: Node, p: str, lang: str | None = "ja") -> str | None:
        return pick_text(self.objects(s, p), lang)


@lru_cache(maxsize=512)
def _uri(p: str) -> URIRef:
    return URIRef(p)


def _sort_key(node: Node) -> tuple[str, str]:
    return (type(node).__name__, str(node))


def pick_literal(nodes: Iterable[Node], lang: str | None = "ja") -> Literal | None:
    """The literal in `lang` (RFC 4647 basic filtering: `ja` takes `ja-JP`, an exact tag
    first), else one without a language, else `ja`, else any literal."""
    literals = [n for n in nodes if isinstance(n, Literal)]
    if not literals:
        return None
    for wanted in (lang, None, "ja"):
        found = [lit for lit in literals if langtags.matches(lit.language, wanted)]
        if found:
            exact = [lit for lit in found if (lit.language or "").lower() == (wanted or "")]
            return (exact or found)[0]
    return literals[0]


def pick_text(nodes: Iterable[Node], lang: str | None = "ja") -> str | None:
    found = pick_literal(nodes, lang)
    return str(found) if found is not None else None


def read_datetime(node: Node | None) -> datetime | None:
    if not isinstance(node, Literal):
        return None
    try:
        return parse_when(str(node))
    except ValueError:
        written = read_written(node)  # gYear / gYearMonth: the first day
        return datetime.combine(written.start, datetime.min.time()) if written else None


def read_date(node: Node | None) -> date | None:
    """The calendar date as written (a date-time's own date, not its UTC date)."""
    written = read_written(node)
    return written.start if written is not None else None


class Codec(ABC):
    """One row of the mapping: the input fields it fills and the predicate it writes."""

    fields: tuple[str, ...]
    predicate: str

    @abstractmethod
    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        """Write the triples of `rec`'s field(s) about subject `s`."""

    @abstractmethod
    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        """The field(s) found about `s` in the graph; absent fields are left out."""


@dataclass(frozen=True)
class Term:
    """A row of the mapping table. `source` names the output record's attribute(s)."""

    source: str
    codec: Codec
    note: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return self.codec.fields

    @property
    def predicate(self) -> str:
        return self.codec.predicate


Emitter = Callable[[Any, Iri, Context, Emission], None]
_EMITTERS: dict[int, tuple[tuple[Term, ...], tuple[Emitter, ...]]] = {}


def emitters(terms: tuple[Term, ...]) -> tuple[Emitter, ...]:
    """The bound `emit` of each row, looked up once per table (the export's hot loop).
    The table is kept in the cache entry, so its id cannot be reused by another tuple."""
    found = _EMITTERS.get(id(terms))
    if found is None or found[0] is not terms:
        found = _EMITTERS[id(terms)] = (terms, tuple(term.codec.emit for term in terms))
    return found[1]


def emit_all(terms: tuple[Term, ...], rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
    for emit in emitters(terms):
        emit(rec, s, ctx, out)


def read_all(terms: Iterable[Term], s: Node, scope: ReadScope) -> dict[str, Any]:
    """The fields every row finds; `extras` from several rows are merged."""
    found: dict[str, Any] = {}
    for term in terms:
        values = term.codec.read(s, scope)
        extras = values.pop("extras", None)
        found.update(values)
        if extras:
            found["extras"] = {**found.get("extras", {}), **extras}
    return found
