"""Request guards applied before any route: body size and NUL bytes.

PostgreSQL text cannot hold NUL, so a NUL anywhere in the input would otherwise surface as a
database error; refusing it up front gives the client a clear 400 instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from app.api.v1.errors import error_body


def install(app: FastAPI, max_body_bytes: int) -> None:
    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_body_bytes:
            return JSONResponse(
                error_body("Request Too Large", f"The request body exceeds {max_body_bytes} bytes"),
                status_code=413,
            )
        raw_query = request.url.query.lower()
        if "%00" in raw_query or "\x00" in request.url.path:
            return _nul_error()
        if request.method in ("POST", "PUT", "PATCH"):
            body = await request.body()
            if len(body) > max_body_bytes:
                return JSONResponse(
                    error_body(
                        "Request Too Large", f"The request body exceeds {max_body_bytes} bytes"
                    ),
                    status_code=413,
                )
            if b"\x00" in body or b"\\u0000" in body or b"%00" in body:
                return _nul_error()
        return await call_next(request)


def _nul_error() -> JSONResponse:
    return JSONResponse(
        error_body("Bad Request", "NUL characters (U+0000) are not allowed in any input"),
        status_code=400,
    )
