"""Reading an Action API request into CKAN's `data_dict`, and typed access to its values.

GET: the query string, a repeated key becomes a list, and a value that is a JSON list or
object (`facet.field=["tags","organization"]`) is decoded. POST: a JSON object body, or a form
(including CKAN's old convention of a JSON document posted as the single form key); a POST
without a body falls back to the query string, as CKAN does for read actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from app.api import json_input
from app.api.ckan.envelope import BadRequest
from app.common.bounds import MAX_INTEGER
from app.errors import Invalid

TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
FALSE = frozenset({"false", "0", "no", "off", "f", "n", ""})


@dataclass(frozen=True)
class ActionRequest:
    method: str
    # The body's data_dict (None when the request had no body) and the query string's.
    body: dict[str, Any] | None
    query: dict[str, Any]


def _maybe_json(value: str) -> Any:
    text = value.strip()
    if text[:1] in ("[", "{"):
        try:
            decoded = json_input.loads(text)
        except json_input.JSONInputError as exc:
            raise BadRequest(f"JSON Error: {exc}") from exc
        except ValueError:
            return value
        if isinstance(decoded, list | dict):
            return decoded
    return value


def _mixed(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, list[Any]] = {}
    for key, value in items:
        out.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def query_dict(request: Request) -> dict[str, Any]:
    mixed = _mixed(list(request.query_params.multi_items()))
    return {
        k: [_maybe_json(x) if isinstance(x, str) else x for x in v]
        if isinstance(v, list)
        else _maybe_json(v)
        for k, v in mixed.items()
    }


async def _form_dict(request: Request) -> dict[str, Any]:
    form = await request.form()
    items = list(form.multi_items())
    if any(isinstance(v, UploadFile) for _k, v in items):
        raise Invalid(
            "File uploads are not supported: give the resource's url instead",
            {"upload": ["File uploads are not supported: give the resource's url instead"]},
        )
    values = [v for _k, v in items]
    if len(values) == 1 and values[0] in ("1", ""):
        # Old clients post the JSON document as the only form key.
        return _json_object(items[0][0].encode())
    return _mixed([(k, str(v)) for k, v in items])


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json_input.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest(
            f"JSON Error: Request data JSON decoded to {data!r} but it needs to be a dictionary."
        )
    return data


async def read_request(request: Request) -> ActionRequest:
    """FastAPI dependency: the request's data, read before the (synchronous) action runs."""
    body: dict[str, Any] | None = None
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            body = await _form_dict(request) or None
        else:
            raw = await request.body()
            body = _json_object(raw) if raw.strip() else None
    return ActionRequest(method=request.method, body=body, query=query_dict(request))


def data_dict(req: ActionRequest, *, read_action: bool) -> dict[str, Any]:
    if req.method == "GET":
        if not read_action:
            raise BadRequest("JSON Error: Invalid request. Please use POST method for your request")
        data = dict(req.query)
    elif req.body is not None:
        data = dict(req.body)
    else:
        data = dict(req.query) if read_action else {}
    # JSONP is not offered; the key is dropped as CKAN drops it before running the action.
    data.pop("callback", None)
    return data


# Typed access. Messages follow CKAN's validators so clients see familiar text.


def get_str(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Invalid(f"Missing value: {key}", {key: ["Missing value"]})
        return None
    if isinstance(value, bool | int | float):
        return str(value)
    if not isinstance(value, str):
        raise Invalid(f"{key} must be a string", {key: ["Must be a string"]})
    return value


def require(data: dict[str, Any], *keys: str) -> str:
    """The first of `keys` that is present (CKAN accepts `id` or `name` in several actions)."""
    for key in keys:
        value = get_str(data, key)
        if value is not None:
            return value
    raise Invalid(f"Missing value: {keys[0]}", {keys[0]: ["Missing value"]})


def get_int(
    data: dict[str, Any],
    key: str,
    default: int,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
) -> int:
    """An integer; values above `maximum` are capped silently, as CKAN caps rows and limits."""
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise Invalid(f"{key} must be an integer", {key: ["Invalid integer"]})
    if isinstance(value, str) and not value.isascii():
        # Python's int() reads full-width and other Unicode digits; the native API and the
        # changes cursor refuse them, so every integer parameter does (ASCII digits only).
        message = "Invalid integer: use ASCII digits 0-9"
        raise Invalid(f"{key} must be an integer written in ASCII digits", {key: [message]})
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise Invalid(f"{key} must be an integer", {key: ["Invalid integer"]})
    if minimum is not None and number < minimum:
        message = "Must be a natural number" if minimum == 0 else f"Must be at least {minimum}"
        raise Invalid(f"{key}: {message}", {key: [message]})
    if maximum is not None:
        return min(number, maximum)
    if not -MAX_INTEGER <= number <= MAX_INTEGER:
        message = f"Must be between {-MAX_INTEGER} and {MAX_INTEGER}"
        raise Invalid(f"{key}: {message}", {key: [message]})
    return number


def get_bool(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Invalid(f"{key} must be true or false", {key: ["Must be true or false"]})


def get_list(data: dict[str, Any], key: str) -> list[str]:
    """A list of strings from a list, a JSON-encoded list, or one string."""
    value = data.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = _maybe_json(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    raise Invalid(f"{key} must be a list of strings", {key: ["Must be a list of strings"]})
