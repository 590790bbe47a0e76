"""A lean path for the hottest reads: a stored dataset on three surfaces, and package_search.

`GET /api/3/action/package_show?id=`, `GET /api/v1/datasets/{ref}` and `GET /dataset/{ref}.ttl`
cost ~0.2 ms of database work when served from the read model, but the regular FastAPI route
added dependency solving, an exit stack and four thread hops (handler, commit, close, plus the
actor dependency) around it (py-spy profile in bench/results/api-serving-2026-12-01.txt).

These Starlette routes sit in front of the FastAPI ones and answer only from a stored row: one
admission to the database gate, then one read transaction that reads the row with the
visibility columns by plain SQL built at import (app.readmodel.repository). An anonymous
caller's transaction is on a Core connection, run on the event loop (SQLite's file when a
pooled connection is free; PostgreSQL's async pool); a caller with a token gets a read session
that authenticates it (401s and the deferred `last_used` write as elsewhere), which on
PostgreSQL runs in one worker thread, as package_search does (`run_read` says why).
The app's middleware and exception handlers apply as to any route, so rate limits,
HEAD, request guards, 503s and the error envelopes are those of the regular route.

package_search by GET runs the action itself here (its results are stored dicts already).
For the others, whatever the lean path does not answer goes to the regular route, unchanged:
a request with other parameters (`?lang=`, a JSON-valued id), a dataset without a stored row, a
Turtle document stored under another DCAT context. The routes then run again with the lean
routes skipped, so those requests behave exactly as before (at the cost of a second
transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from app.accounts.actor import ANONYMOUS, Actor
from app.accounts.service import authenticate_token
from app.api.auth import token_from_headers
from app.api.ckan import package_search as search_action
from app.api.ckan.envelope import JSONBody, help_url, success
from app.api.ckan.params import ActionRequest, data_dict, query_dict
from app.api.ckan.registry import ActionContext
from app.api.dcat import respond
from app.api.sessions import run_read, run_read_core
from app.api.v1.datasets import _http_date, etag_of
from app.config import Settings
from app.dcat.formats import split_ext
from app.readmodel import service as readmodel
from app.readmodel.render import TURTLE

# Set in the scope of a request the lean path hands on: the lean routes then match nothing.
SKIP = "catalog.lean_skip"
T = TypeVar("T")


class _Fallthrough(Exception):
    """No stored answer: let the regular route serve the request."""


def _actor(session: Session, request: Request) -> Actor:
    return authenticate_token(session, token_from_headers(request))


class LeanRoute(Route):
    """A GET route that matches only requests `accepts` says it can answer."""

    def __init__(
        self,
        path: str,
        answer: Callable[[Request], Any],
        accepts: Callable[[Scope], bool] = lambda _scope: True,
    ) -> None:
        self._answer = answer
        self._accepts = accepts
        super().__init__(path, self._asgi, methods=["GET"], include_in_schema=False)
        self.app = self._asgi  # the raw ASGI callable (Starlette wraps methods as endpoints)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get(SKIP) or scope.get("method") != "GET":
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is Match.FULL and not self._accepts({**scope, **child}):
            return Match.NONE, {}
        return match, child

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response: Response = await self._answer(request)
        except _Fallthrough:
            router = scope["app"].router
            await router({**scope, SKIP: True}, receive, send)
            return
        await response(scope, receive, send)


def _single(scope: Scope, *names: str) -> bool:
    """The query names one of `names` exactly once, as a plain (not JSON) value."""
    request = Request(scope)
    found = [v for k, v in request.query_params.multi_items() if k in names]
    return len(found) == 1 and found[0].strip()[:1] not in ("[", "{", "")


async def _stored(request: Request, read: Callable[[Any, Actor], T]) -> T:
    """`read(db, actor)` in one read transaction: on a Core connection for an anonymous
    caller (no ORM session needed, run_read_core says why), in a session when there is a
    token to authenticate (401s and its deferred `last_used` write as on every route)."""
    if token_from_headers(request) is None:
        try:
            return await run_read_core(request, lambda conn: read(conn, ANONYMOUS))
        except readmodel.ContextNotCached:
            pass  # the first .ttl of a generation: the session path builds the context
    return await run_read(request, lambda session: read(session, _actor(session, request)))


async def package_show(request: Request) -> Response:
    ref = request.query_params.get("id") or request.query_params.get("name_or_id") or ""
    settings: Settings = request.app.state.settings
    stored = await _stored(request, lambda db, actor: readmodel.package_json(db, actor, ref))
    if stored is None:
        raise _Fallthrough
    head = {"help": help_url(settings, "package_show"), "success": True}
    return JSONBody({**head, "result": orjson.Fragment(stored)})


async def v1_dataset(request: Request) -> Response:
    ref: str = request.path_params["ref"]
    stored = await _stored(request, lambda db, actor: readmodel.v1_record(db, actor, ref))
    if stored is None:
        raise _Fallthrough
    tag = etag_of(stored.dataset_id, stored.revision)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    headers = {"ETag": tag, "Last-Modified": _http_date(stored.metadata_modified)}
    return Response(stored.body, media_type="application/json", headers=headers)


async def dataset_turtle(request: Request) -> Response:
    stem, _fmt = split_ext(request.path_params["ref"])
    settings: Settings = request.app.state.settings
    stored = await _stored(
        request, lambda db, actor: readmodel.dcat_turtle(db, actor, stem, settings)
    )
    if stored is None:
        raise _Fallthrough
    location = f"/dataset/{stored.dataset_id}.{TURTLE.ext}"
    return respond(request, TURTLE, stored.body, stored.metadata_modified, location=location)


async def package_search(request: Request) -> Response:
    """package_search by GET: the action itself (no stored-row condition: its results are
    the stored dicts already), without the FastAPI route's dependencies and thread hops."""
    data = data_dict(ActionRequest("GET", None, query_dict(request)), read_action=True)
    settings: Settings = request.app.state.settings

    def work(session: Session) -> Any:
        ctx = ActionContext(session=session, actor=_actor(session, request), settings=settings)
        return search_action.package_search(ctx, data)

    return success(settings, "package_search", await run_read(request, work))


def _is_turtle(scope: Scope) -> bool:
    return split_ext(str(scope["path_params"].get("ref", "")))[1] is TURTLE


def routes() -> list[Route]:
    return [
        LeanRoute(
            "/api/3/action/package_show", package_show, lambda s: _single(s, "id", "name_or_id")
        ),
        LeanRoute(
            "/api/action/package_show", package_show, lambda s: _single(s, "id", "name_or_id")
        ),
        LeanRoute("/api/3/action/package_search", package_search),
        LeanRoute("/api/action/package_search", package_search),
        LeanRoute("/api/v1/datasets/{ref}", v1_dataset, _no_lang),
        LeanRoute("/dataset/{ref}", dataset_turtle, _is_turtle),
    ]


def _no_lang(scope: Scope) -> bool:
    """`?lang=` renders afresh (the stored record is in the dataset's own languages)."""
    return "lang" not in Request(scope).query_params


def install(app: FastAPI) -> None:
    """Put the lean routes in front of every other route."""
    app.router.routes[0:0] = routes()
