"""CKAN's response envelope and error shapes.

`ckanapi` turns an error back into an exception by the `__type` string alone, so the strings and
status codes here are CKAN's exactly (ckan/views/api.py): Not Found Error 404, Authorization
Error 403 (also for a missing or bad token), Validation Error 409 with per-field messages,
Search Query Error 400, and a bare JSON string "Bad request - ..." for a request CKAN refuses
before running the action (unknown action, write action by GET, unreadable body).
"""

from __future__ import annotations

import inspect
import logging
import re
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.config import Settings
from app.errors import (
    AppError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    SearchQueryError,
    Unauthorized,
)

API_PREFIXES = ("/api/3/action/", "/api/action/")
log = logging.getLogger(__name__)


class BadRequest(AppError):
    """A request CKAN refuses before running the action; the body is a JSON string."""

    status_code = 400
    kind = "Bad Request"


class JSONBody(Response):
    media_type = "application/json;charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def help_url(settings: Settings, action: str) -> str:
    return f"{settings.base_uri}/api/3/action/help_show?name={action}"


def success(settings: Settings, action: str, result: Any) -> JSONBody:
    return JSONBody({"help": help_url(settings, action), "success": True, "result": result})


_RESOURCE_KEY = re.compile(r"^resources(?:__|\.)(\d+)(?:__|\.)(.+)$")


def ckan_error_fields(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Per-field messages in CKAN's shape: a resource's errors go in `resources`, a list with
    one dict per resource up to the last one in error (`{}` for the valid ones), as CKAN's
    validator returns them: `{"resources": [{}, {"url": ["..."]}]}`, never `resources__1__url`.
    """
    out: dict[str, Any] = {}
    per_resource: dict[int, dict[str, list[str]]] = {}
    for key, messages in fields.items():
        match = _RESOURCE_KEY.match(key)
        if match is None:
            out.setdefault(key, []).extend(messages)
            continue
        field = match.group(2).replace("__", ".")
        per_resource.setdefault(int(match.group(1)), {}).setdefault(field, []).extend(messages)
    if per_resource:
        out["resources"] = [per_resource.get(i, {}) for i in range(max(per_resource) + 1)]
    return out


def error_content(exc: AppError) -> tuple[int, dict[str, Any]]:
    """(status, the `error` object) for an application error, in CKAN's terms."""
    if isinstance(exc, NotFound):
        return 404, {"__type": "Not Found Error", "message": f"Not found: {exc.message}"}
    if isinstance(exc, Unauthorized | Forbidden):
        return 403, {"__type": "Authorization Error", "message": f"Access denied: {exc.message}"}
    if isinstance(exc, Invalid | Conflict | PreconditionFailed):
        fields: dict[str, Any] = ckan_error_fields(exc.fields) or {"message": [exc.message]}
        return 409, {**fields, "__type": "Validation Error"}
    if isinstance(exc, SearchQueryError):
        message = f"Search Query is invalid: {exc.message}"
        return 400, {"__type": "Search Query Error", "message": message}
    # Any other AppError: no CKAN counterpart, so keep its status and say what it is.
    return exc.status_code, {"__type": exc.kind, "message": exc.message}


def action_name(path: str) -> str:
    """The action a CKAN path names (what follows the prefix), for help URLs and messages."""
    for prefix in API_PREFIXES:
        if path.startswith(prefix):
            return path[len(prefix) :].strip("/")
    return path.rstrip("/").rsplit("/", 1)[-1]


def error_envelope(base_uri: str, path: str, kind: str, message: str) -> dict[str, Any]:
    """The envelope for an error raised outside any action (middleware, crash, no route)."""
    help_link = f"{base_uri}/api/3/action/help_show?name={action_name(path)}"
    return {"help": help_link, "success": False, "error": {"__type": kind, "message": message}}


def error_response(settings: Settings, action: str, exc: AppError) -> JSONBody:
    if isinstance(exc, BadRequest):
        return JSONBody(f"Bad request - {exc.message}", status_code=400)
    status, error = error_content(exc)
    body = {"help": help_url(settings, action), "success": False, "error": error}
    return JSONBody(body, status_code=status, headers=exc.headers or None)


def is_ckan_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def install(app: FastAPI, settings: Settings) -> None:
    """Render AppError as CKAN envelopes under the Action API; elsewhere keep the old handler.

    Errors propagate out of the action (instead of being caught in the route) so that the
    request's session rolls back before the error is rendered.
    """
    previous = app.exception_handlers.get(AppError)

    async def on_app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        path = request.url.path
        if is_ckan_path(path) or previous is None:
            return error_response(settings, path.rstrip("/").rsplit("/", 1)[-1], exc)
        result = previous(request, exc)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, Response)
        return result

    app.add_exception_handler(AppError, on_app_error)


def install_fallbacks(app: FastAPI, settings: Settings) -> None:
    """Under the Action API, answer a path no route matches and an unhandled error in CKAN's
    terms too, whatever the client accepts: an action path that names no action is CKAN's 400
    "Action name not known" (as the router answers an unknown name), any other HTTP error and
    a crash are envelopes. Call last, after the web layer's handlers, which it wraps.
    """
    previous_http = app.exception_handlers.get(StarletteHTTPException)
    previous_crash = app.exception_handlers.get(Exception)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if not is_ckan_path(path) and previous_http is not None:
            return await _call(previous_http, request, exc)
        if exc.status_code == 404:
            name = action_name(path)
            return JSONBody(f"Bad request - Action name not known: {name}", status_code=400)
        kind = HTTPStatus(exc.status_code).phrase if exc.status_code in _STATUSES else "Error"
        body = error_envelope(settings.base_uri, path, kind, str(exc.detail))
        return JSONBody(body, status_code=exc.status_code, headers=exc.headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if not is_ckan_path(path) and previous_crash is not None:
            return await _call(previous_crash, request, exc)
        log.exception("unhandled error on %s", path, exc_info=exc)
        kind = "Internal Server Error"
        body = error_envelope(settings.base_uri, path, kind, "Internal Server Error")
        return JSONBody(body, status_code=500)

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


_STATUSES = frozenset(s.value for s in HTTPStatus)


async def _call(handler: Any, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result
