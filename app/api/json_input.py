"""Reading JSON request bodies with bounds: nesting depth and string encoding.

Every JSON body the APIs read goes through `loads` (the native API through `CheckedJSONRoute`,
the CKAN Action API through `app.api.ckan.params`), so a document is refused before any service
or database sees it when:

- it nests arrays/objects deeper than `MAX_DEPTH` levels (deeper documents are never real
  metadata, and recursive code further on would otherwise fail);
- a string holds a lone UTF-16 surrogate (`"\\ud800"`) or the bytes are not UTF-8: such text
  cannot be stored (PostgreSQL and SQLite take UTF-8 only) or sent back.

Parsing uses orjson (already a dependency): it refuses both cases itself, in C, without the
recursion Python's `json` would need for a deep document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute

# Levels of nested arrays/objects a request body may have ({"a": [1]} has 2).
MAX_DEPTH = 32

DEPTH_MESSAGE = (
    f"The JSON document nests arrays/objects more than {MAX_DEPTH} levels deep: "
    "send a flatter document"
)
ENCODING_MESSAGE = (
    "The JSON document is not valid Unicode text: it holds a lone surrogate escape "
    "(\\ud800-\\udfff without its pair) or bytes that are not UTF-8"
)

# For the OpenAPI description: the bounds a schema cannot state itself.
LIMITS_DOC = (
    "Input limits: text fields are stored as plain text (markup removed) and have the `maxLength` "
    "their schema states; integers have the `maximum` stated; date-times must fall in years "
    f"1-9999 in UTC; JSON bodies may nest at most {MAX_DEPTH} levels and must be valid Unicode "
    "(no lone surrogates). Timestamps are served as RFC 3339 with `Z`."
)


class JSONInputError(ValueError):
    """A JSON body outside the bounds above; `str(exc)` says what to fix."""


def _depth(value: Any) -> int:
    """Nesting depth of a parsed document, iteratively (no recursion limit to hit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def loads(raw: bytes | str) -> Any:
    """Parse a JSON document within the bounds.

    Raises JSONInputError for a document nested too deep or not valid Unicode, and
    json.JSONDecodeError (with the parser's message) for one that is not JSON at all.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in exc.msg or "recursion" in exc.msg:
            raise JSONInputError(DEPTH_MESSAGE) from exc
        if "surrogate" in exc.msg or "UTF-8" in exc.msg:
            raise JSONInputError(ENCODING_MESSAGE) from exc
        # orjson refuses a few documents Python's json reads (NaN, Infinity): read them as
        # FastAPI and CKAN would; anything else is not JSON and keeps json's own message.
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            value = json.loads(text)
        except RecursionError as deep:
            raise JSONInputError(DEPTH_MESSAGE) from deep
    if _depth(value) > MAX_DEPTH:
        raise JSONInputError(DEPTH_MESSAGE)
    return value


class _CheckedRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = loads(await self.body())
            except JSONInputError as exc:
                # FastAPI turns a decode error into a 422 whose message carries `msg`.
                raise json.JSONDecodeError(str(exc), "", 0) from exc
        return self._json


class CheckedJSONRoute(APIRoute):
    """A route whose JSON body is read by `loads` (FastAPI's own reading has no bounds)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            return await handler(_CheckedRequest(request.scope, request.receive))

        return checked
