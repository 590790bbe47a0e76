"""JSON-LD contexts resolved before rdflib sees a document, so the RDF library never fetches.

rdflib's JSON-LD parser fetches every remote context itself (urllib, no address policy): a
string `@context`, an `@import`, a `{"@context": url}` inside a context array and a scoped
context (`@context` inside a term definition). `ContextResolver` replaces each of them with the
context's content: known contexts come from the copies shipped in `app/dcat/contexts/`, others
through the caller's `fetch` (the guarded client), or are refused when there is none. A
document where a context reference survives is refused (`ContextRefused`), never parsed.

Rules: JSON-LD 1.1 §4.1 (context processing, `@import` merged under the importing context's
own definitions).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import orjson

HERE = Path(__file__).parent / "contexts"
# Published URL -> the shipped copy (byte-identical to ../shared/standards/dcat-ap).
KNOWN: dict[str, str] = {
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1/context/dcat-ap.jsonld": (
        "dcat-ap-3.0.1.jsonld"
    ),
    "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/"
    "context.jsonld": "dcat-ap-examples.jsonld",
}
MAX_DEPTH = 8
MAX_CONTEXTS = 32


class ContextRefused(Exception):
    """A context the resolver may not or could not load; the message names it and why."""


def known_context(url: str) -> Any | None:
    """The shipped copy of a known context document (parsed JSON), or None."""
    name = KNOWN.get(url) or KNOWN.get(url.replace("http://", "https://", 1))
    return orjson.loads((HERE / name).read_bytes()) if name else None


class ContextResolver:
    """Inline every context reference of a JSON-LD document.

    `fetch(url) -> bytes` loads an unknown context (it must apply the address policy); None
    refuses unknown contexts. Loaded contexts are kept for the resolver's lifetime.
    """

    def __init__(self, fetch: Callable[[str], bytes] | None = None) -> None:
        self.fetch = fetch
        self._loaded: dict[str, Any] = {}

    def document(self, doc: Any, base: str = "") -> Any:
        """`doc` with every `@context` (at any depth) inlined; raises ContextRefused."""
        resolved = self._walk(doc, base)
        _assert_inline(resolved)
        return resolved

    def _walk(self, node: Any, base: str) -> Any:
        if isinstance(node, dict):
            return {
                k: self.context(v, base, 0) if k == "@context" else self._walk(v, base)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [self._walk(v, base) for v in node]
        return node

    def context(self, value: Any, base: str, depth: int) -> Any:
        """A context value (string, array, object, null) with every reference inlined."""
        if depth > MAX_DEPTH:
            raise ContextRefused("JSON-LD contexts nested too deep (more than 8 levels)")
        if isinstance(value, str):
            return self._remote(urljoin(base, value), depth)
        if isinstance(value, list):
            return [self.context(v, base, depth) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"@context"}:  # {"@context": url} inside a context array
            return self.context(value["@context"], base, depth + 1)
        out: dict[str, Any] = {}
        imported = value.get("@import")
        if imported is not None:
            if not isinstance(imported, str):
                raise ContextRefused("@import must be a URL")
            found = self._remote(urljoin(base, imported), depth)
            if not isinstance(found, dict):
                raise ContextRefused(f"@import {imported}: not a single context object")
            out.update(found)
        for key, term in value.items():
            if key == "@import":
                continue
            if key == "@context":
                out[key] = self.context(term, base, depth + 1)
            elif isinstance(term, dict) and "@context" in term:  # scoped context
                out[key] = {**term, "@context": self.context(term["@context"], base, depth + 1)}
            else:
                out[key] = term
        return out

    def _remote(self, url: str, depth: int) -> Any:
        if url in self._loaded:
            return self._loaded[url]
        if len(self._loaded) >= MAX_CONTEXTS:
            raise ContextRefused(f"more than {MAX_CONTEXTS} remote JSON-LD contexts")
        doc = known_context(url)
        if doc is None:
            if self.fetch is None:
                raise ContextRefused(f"remote JSON-LD context {url} is not a known context")
            try:
                doc = orjson.loads(self.fetch(url))
            except orjson.JSONDecodeError as exc:
                raise ContextRefused(f"invalid JSON-LD context at {url}: {exc}") from exc
        if not isinstance(doc, dict) or "@context" not in doc:
            raise ContextRefused(f"{url} is not a JSON-LD context document (no @context)")
        self._loaded[url] = None  # a context that imports itself is a loop, not a recursion
        self._loaded[url] = self.context(doc["@context"], url, depth + 1)
        return self._loaded[url]


def _assert_inline(node: Any, in_context: bool = False) -> None:
    """Refuse any context reference left where rdflib would fetch it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@import" and in_context:
                raise ContextRefused("an @import was left unresolved")
            if key == "@context":
                _assert_context(value)
            else:
                _assert_inline(value, in_context)
    elif isinstance(node, list):
        for value in node:
            _assert_inline(value, in_context)


def _assert_context(value: Any) -> None:
    if isinstance(value, str):
        raise ContextRefused(f"JSON-LD context {value} was left unresolved")
    if isinstance(value, list):
        for item in value:
            _assert_context(item)
    elif isinstance(value, dict):
        _assert_inline(value, in_context=True)
