"""Error responses of the native API: {"error": {"type", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.errors import AppError, Unauthorized


def error_body(
    kind: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "fields": fields or {}}}


def app_error_response(exc: AppError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else {}
    headers.update(exc.headers)
    return JSONResponse(
        error_body(exc.kind, exc.message, exc.fields), status_code=exc.status_code, headers=headers
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    # Drop the "body"/"query" prefix so the path names the field the client sent.
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path")
        else list(map(str, loc))
    )
    return ".".join(parts) or "body"


def validation_response(exc: RequestValidationError) -> JSONResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        message = str(err.get("msg"))
        if err.get("type") == "json_invalid":
            # The parser's reason (app.api.json_input's bounds included) says what to fix.
            message = f"{message}: {(err.get('ctx') or {}).get('error', '')}"
            fields.setdefault("body", []).append(message)
            continue
        fields.setdefault(_field_path(tuple(err.get("loc", ()))), []).append(message)
    return JSONResponse(
        error_body(
            "Validation Error", "The request is not valid: see the message for each field", fields
        ),
        status_code=422,
    )


def install(app: FastAPI) -> None:
    async def on_app_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return app_error_response(exc)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc)

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
