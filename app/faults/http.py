"""Transient database faults as HTTP: 503 with `Retry-After`, and a bounded retry of reads.

Every surface renders the 503 its own way through the application's `AppError` handler (a
CKAN envelope under the Action API, the native error object elsewhere, Linked Data pages
included), so a CKAN client still gets `{"success": false, "error": {"__type": ...}}`.
A GET or HEAD that failed because the connection dropped (a PostgreSQL restart, a failover)
runs again, at most `RETRIES` more times within `RETRY_BUDGET` seconds, before the 503 goes
out: the pool has dropped the dead connections by then (SQLAlchemy invalidates the whole pool
on a disconnect; app.db.ping_when_idle pings idle ones), so a server that is already back
answers the retry.
Writes never run twice; a "busy" fault (a lock held past the busy timeout) is not retried
either, since the retry would wait as long again.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import time

from fastapi import FastAPI, Request
from sqlalchemy import exc as sa_exc
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError
from app.faults.classify import Kind, transient

log = logging.getLogger(__name__)
RETRIES = 2
RETRY_BUDGET = 3.0  # seconds a read may spend retrying before its 503 goes out
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
# Set on a 503 by the handler, read and removed by RetryReads (never reaches a client).
MARKER = b"x-catalog-transient"

_MESSAGES: dict[Kind, str] = {
    "connection": "The database connection was lost (the server may be restarting)",
    "busy": "The database is busy (locked or out of connections)",
}


class DatabaseUnavailable(AppError):
    """A transient database fault: the client should try again after `retry_after` s."""

    status_code = 503
    kind = "Service Unavailable"

    def __init__(self, message: str, retry_after: int, fault: Kind = "busy") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.fault = fault


def install(app: FastAPI, retry_after: int) -> None:
    """Render transient database errors as 503 on every surface; retry idempotent reads.

    Call after the surfaces have installed their `AppError` handlers.
    """
    render = app.exception_handlers[AppError]

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DatabaseUnavailable)
        result = render(request, exc)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, Response)
        result.headers["Retry-After"] = str(exc.retry_after)
        result.headers[MARKER.decode()] = exc.fault
        return result

    async def on_database_error(request: Request, exc: Exception) -> Response:
        kind = transient(exc)
        if kind is None:
            raise exc  # a bug, not a fault: the server error handler logs it, 500
        message = f"{_MESSAGES[kind]}; try again in {retry_after} seconds."
        return await on_unavailable(request, DatabaseUnavailable(message, retry_after, kind))

    app.add_exception_handler(DatabaseUnavailable, on_unavailable)
    app.add_exception_handler(sa_exc.DBAPIError, on_database_error)
    app.add_exception_handler(sa_exc.TimeoutError, on_database_error)
    app.add_middleware(RetryReads)


class RetryReads:
    """Pure ASGI: run an idempotent request again when it ended in a "connection" 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        retriable = scope["method"] in IDEMPOTENT
        deadline = time.monotonic() + RETRY_BUDGET
        attempt = 0
        while True:
            last = not retriable or attempt >= RETRIES or time.monotonic() >= deadline
            outcome = _Attempt(send, swallow_retriable=not last)
            try:
                await self.app(scope, _replay(receive, attempt), outcome.send)
            except Exception as exc:
                if not outcome.complete or not _transient_in_chain(exc):
                    raise
                # The client has its whole answer; the request's session failed to end
                # after it (a commit that ran after the response). Log, keep the connection.
                log.warning("%s %s: the database failed after the response was sent: %s",
                            scope["method"], scope["path"], exc)  # fmt: skip
                return
            if not outcome.retry:
                return
            attempt += 1
            # Full jitter: clients of one outage do not all come back at once.
            await asyncio.sleep(random.uniform(0.05, 0.25 * 2**attempt))


def _transient_in_chain(exc: BaseException | None) -> bool:
    # Starlette wraps an error raised after the response started in a RuntimeError.
    while exc is not None:
        if transient(exc) is not None:
            return True
        exc = exc.__cause__
    return False


class _Attempt:
    def __init__(self, send: Send, *, swallow_retriable: bool) -> None:
        self._send = send
        self._swallow_retriable = swallow_retriable
        self.retry = False
        self.complete = False

    async def send(self, message: Message) -> None:
        if self.retry:
            return  # the body of a response that will not be sent
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        if message["type"] == "http.response.start":
            headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
            fault = next((v for k, v in headers if k.lower() == MARKER), None)
            if fault is not None:
                if fault == b"connection" and self._swallow_retriable:
                    self.retry = True
                    return
                headers = [(k, v) for k, v in headers if k.lower() != MARKER]
                message = {**message, "headers": headers}
        await self._send(message)


def _replay(receive: Receive, attempt: int) -> Receive:
    """The request again for a retry (idempotent requests carry no body we need)."""
    if attempt == 0:
        return receive
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return replay
