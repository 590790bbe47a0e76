"""CKAN's response envelope and error shapes.

`ckanapi` turns an error back into an exception by the `__type` string alone, so the strings and
status codes here are CKAN's exactly (ckan/views/api.py): Not Found Error 404, Authorization
Error 403 (also for a missing or bad token), Validation Error 409 with per-field messages,
Search Query Error 400, and a bare JSON string "Bad request - ..." for a request CKAN refuses
before running the action (unknown action, write action by GET, unreadable body).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import orjson
from fastapi import FastAPI, Request
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
