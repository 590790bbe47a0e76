"""Error pages in the layout for browsers: 404 and the rest of the 4xx, and 500.

A request gets an HTML error page when it is not an API call (`/api/...`), names no RDF
suffix, and its Accept header prefers HTML (browsers); everything else keeps the JSON or
CKAN error bodies of the handlers installed before this one.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.dcat.formats import HTML, negotiate, split_ext
from app.errors import AppError
from app.web.render import gettext_for, render

log = logging.getLogger(__name__)
Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/static/", "/dump/")) or path in ("/openapi.json", "/docs"):
        return False
    if split_ext(path.rsplit("/", 1)[-1])[1] is not None:
        return False
    accept = request.headers.get("accept")
    if not accept:
        return False  # scripts (curl, httpx) send none or */*: keep the JSON errors for them
    return "text/html" in accept and negotiate(accept, html=True) is HTML


def error_page(
    request: Request, status: int, message: str = "", *, translated: bool = False
) -> Response:
    _ = gettext_for(request)
    titles = {
        404: _("ページが見つかりません"),
        500: _("サーバーでエラーが発生しました"),
    }
    title = titles.get(status, _("リクエストを処理できませんでした"))
    return render(
        request,
        "error.html",
        # Service messages are English; a `translated` one is in the reader's language.
        {"status": status, "title": title, "message": message, "message_translated": translated},
        status_code=status,
    )


def _form_message(request: Request, exc: StarletteHTTPException) -> str:
    """What to fix when the form body itself was refused (Starlette's form parser: a field
    over its 1 MB part limit, too many fields or files, a broken multipart body)."""
    detail = str(exc.detail)
    if exc.status_code != 400:
        return ""
    _ = gettext_for(request)
    if "maximum size" in detail:
        return str(_("入力欄の内容が大きすぎます。1 つの欄は 1 MB までにしてください。"))
    if "Too many" in detail:
        return str(_("フォームの項目が多すぎます。1 回に送る項目を減らしてください。"))
    if "multipart" in detail.lower():
        return str(
            _(
                "フォームの送信内容を読めませんでした。ページを読み込み直して、もう一度送信してください。"
            )
        )
    return ""


async def _call(handler: Handler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result


def install(app: FastAPI) -> None:
    """Wrap the AppError and HTTPException handlers; add a 500 page. Call after the API's."""
    previous_app = app.exception_handlers.get(AppError)
    previous_http = app.exception_handlers.get(StarletteHTTPException)

    async def on_app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        if wants_html(request) or previous_app is None:
            return error_page(request, exc.status_code, exc.message)
        return await _call(previous_app, request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if wants_html(request) and exc.status_code >= 400:
            message = _form_message(request, exc)
            return error_page(request, exc.status_code, message, translated=bool(message))
        if previous_http is not None:
            return await _call(previous_http, request, exc)
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        if wants_html(request):
            return error_page(request, 500)
        from fastapi.responses import JSONResponse

        return JSONResponse(
            {"error": {"type": "Internal Server Error", "message": "Internal Server Error"}},
            status_code=500,
        )

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
