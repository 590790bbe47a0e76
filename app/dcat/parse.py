"""Parse one fetched RDF document safely, repairing what can be repaired.

- RDF/XML goes through defusedxml's expat reader: DTD entity declarations are refused (no
  billion laughs, no external entities), and the bytes are fed in 64 KiB reads that stop once
  the document's time budget is spent. Malformed `xml:lang` values are repaired on the way.
- JSON-LD: every context is inlined by `ContextResolver` first (rdflib never fetches), and
  malformed `@language` values are repaired.
- Turtle/N-Triples/N3: a document that fails only because of malformed language tags
  (`"x"@ja_JP`) is parsed again with the tags repaired.

Repairs are returned (`Parsed.repairs`: original tag -> repaired tag, "" when dropped) so each
record that carries one can say so.
"""

from __future__ import annotations

import io
import re
import time
import xml.sax
from dataclasses import dataclass, field
from typing import Any
from xml.sax import handler as sax_handler
from xml.sax.xmlreader import AttributesNSImpl, InputSource

import orjson
from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser
from rdflib import Graph
from rdflib.plugins.parsers.rdfxml import RDFXMLHandler

from app.dcat import langtags
from app.dcat.jsonld_contexts import ContextRefused, ContextResolver

XML_LANG = ("http://www.w3.org/XML/1998/namespace", "lang")
DEFAULT_BUDGET = 30.0  # seconds of parsing per document


class ParseError(Exception):
    """The document is not RDF we can read (or broke a limit): the message says which."""


@dataclass
class Parsed:
    graph: Graph
    repairs: dict[str, str] = field(default_factory=dict)


def _fix(tag: str, repairs: dict[str, str]) -> str:
    if langtags.valid(tag):
        return tag
    fixed = langtags.repair(tag) or ""
    repairs[tag] = fixed
    return fixed


class _Budget(io.BytesIO):
    """A byte stream that refuses to be read past its deadline."""

    def __init__(self, data: bytes, seconds: float) -> None:
        super().__init__(data)
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def read(self, size: int | None = -1) -> bytes:
        if time.monotonic() > self.deadline:
            raise ParseError(f"parsing took longer than the {self.seconds:g} s budget: stopped")
        return super().read(size)


class _RepairingHandler(RDFXMLHandler):
    """rdflib's RDF/XML handler, with malformed xml:lang values repaired or dropped."""

    repairs: dict[str, str]

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        tag = attrs.get(XML_LANG)
        if tag is not None and not langtags.valid(tag):
            values = dict(attrs.items())
            qnames = {k: attrs.getQNameByName(k) for k in values}
            fixed = _fix(tag, self.repairs)
            if fixed:
                values[XML_LANG] = fixed
            else:
                del values[XML_LANG]
                del qnames[XML_LANG]
            attrs = AttributesNSImpl(values, qnames)
        super().startElementNS(name, qname, attrs)


def parse_rdfxml(data: bytes, graph: Graph, public_id: str, budget: float) -> dict[str, str]:
    parser = create_parser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    parser.start_namespace_decl("xml", "http://www.w3.org/XML/1998/namespace")
    parser.setFeature(sax_handler.feature_namespaces, 1)
    source = InputSource(public_id)
    source.setPublicId(public_id)
    source.setByteStream(_Budget(data, budget))
    handler = _RepairingHandler(graph)
    handler.repairs = {}
    handler.setDocumentLocator(source)  # type: ignore[arg-type]  # rdflib reads the base there
    parser.setContentHandler(handler)
    parser.setErrorHandler(sax_handler.ErrorHandler())
    try:
        parser.parse(source)
    except DefusedXmlException as exc:
        raise ParseError(
            f"XML entity declarations are refused (entity expansion is off): {exc}"
        ) from exc
    except xml.sax.SAXParseException as exc:
        raise ParseError(f"not well-formed XML: {exc}") from exc
    return handler.repairs


def _repair_languages(node: Any, repairs: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "@language" and isinstance(value, str):
                fixed = _fix(value, repairs)
                if fixed:
                    out[key] = fixed
            else:
                out[key] = _repair_languages(value, repairs)
        return out
    if isinstance(node, list):
        return [_repair_languages(v, repairs) for v in node]
    return node


_TTL_TAG = re.compile(r'(["\'])@([A-Za-z][A-Za-z0-9_-]*)')


def _repair_text_tags(data: bytes, repairs: dict[str, str]) -> bytes:
    def fix(match: re.Match[str]) -> str:
        tag = match.group(2)
        if langtags.valid(tag):
            return match.group(0)
        fixed = _fix(tag, repairs)
        return f"{match.group(1)}@{fixed}" if fixed else match.group(1)

    return _TTL_TAG.sub(fix, data.decode("utf-8", "replace")).encode()


def parse_document(
    data: bytes,
    fmt: str,
    public_id: str,
    resolver: ContextResolver,
    budget: float = DEFAULT_BUDGET,
) -> Parsed:
    """Parse `data` as `fmt` (an rdflib parser name); raises ParseError with the reason."""
    graph = Graph()
    repairs: dict[str, str] = {}
    try:
        if fmt in ("xml", "application/rdf+xml"):
            repairs = parse_rdfxml(data, graph, public_id, budget)
        elif fmt == "json-ld":
            doc = _repair_languages(orjson.loads(data), repairs)
            doc = resolver.document(doc, public_id)
            graph.parse(data=orjson.dumps(doc), format="json-ld", publicID=public_id)
        else:
            try:
                graph.parse(data=data, format=fmt, publicID=public_id)
            except Exception:
                fixed = _repair_text_tags(data, repairs)
                if not repairs:
                    raise
                graph = Graph()
                graph.parse(data=fixed, format=fmt, publicID=public_id)
    except (ParseError, ContextRefused):
        raise
    except Exception as exc:  # rdflib raises many unrelated types for bad input
        raise ParseError(f"invalid RDF ({fmt}): {type(exc).__name__}: {exc}"[:500]) from exc
    return Parsed(graph, repairs)
