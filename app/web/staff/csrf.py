"""CSRF protection for every state-changing web request (pure ASGI middleware).

Rule: a POST/PUT/PATCH/DELETE to any path outside `/api/` must carry the page's CSRF token,
as the form field `csrf_token` or the header `X-CSRF-Token`; otherwise 403 with a page in the
layout. The API is exempt because browser cookies never authenticate it (token headers only).
A request that carries an API token header and no session cookie is exempt too: a browser
does not attach such headers to another site's request.

The token is HMAC-SHA256 keyed by the browser's session id (or, before sign-in, by its
pre-session id), so it is bound to that browser session, changes at sign-in, dies at sign-out,
and is checked without a database read (OWASP CSRF Cheat Sheet, "signed double-submit").
Templates render it with the Jinja global `csrf_field()`.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs

from jinja2 import pass_context
from markupsafe import Markup, escape
from python_multipart.exceptions import MultipartParseError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.web_sessions import new_id
from app.web.staff.cookies import PRESESSION_COOKIE, SESSION_COOKIE

FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def token_for(key: str) -> str:
    """The CSRF token of the browser session whose (pre-)session id is `key`."""
    return hmac.new(key.encode(), b"catalog-csrf-v1", hashlib.sha256).hexdigest()


def _cookie_key(conn: HTTPConnection) -> str | None:
    return conn.cookies.get(SESSION_COOKIE) or conn.cookies.get(PRESESSION_COOKIE)


def csrf_token(conn: HTTPConnection) -> str:
    """This browser's CSRF token; gives it a pre-session id first when it has none.

    A new pre-session id is left on `request.state.new_presession`; `render` sets the cookie.
    """
    key = _cookie_key(conn) or getattr(conn.state, "new_presession", None)
    if key is None:
        key = conn.state.new_presession = new_id()
    return token_for(key)


@pass_context
def csrf_field(context: Any) -> Markup:
    """`<input type="hidden" name="csrf_token" …>` for the form being rendered."""
    token = csrf_token(context["request"])
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')


def is_valid(conn: HTTPConnection, sent: str | None) -> bool:
    key = _cookie_key(conn)
    if key is None or not sent:
        return False
    return hmac.compare_digest(token_for(key), sent)


def needs_check(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
        return False
    path: str = scope["path"]
    if path == "/api" or path.startswith("/api/"):
        return False
    conn = HTTPConnection(scope)
    # A token-authenticated script without a session cookie: nothing ambient to forge.
    scripted = "authorization" in conn.headers or "x-ckan-api-key" in conn.headers
    return SESSION_COOKIE in conn.cookies or not scripted


class CsrfMiddleware:
    """Refuses unsafe web requests without the session's CSRF token (403 page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not needs_check(scope):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        sent = conn.headers.get(HEADER)
        content_type = conn.headers.get("content-type", "")
        replay = receive
        if sent is None and content_type.startswith(_FORM_TYPES):
            body = await _read_body(receive)
            replay = _replayer(body)
            sent = await _form_token(scope, body, content_type)
        if not is_valid(conn, sent):
            response = _refusal(scope)
            await response(scope, receive, send)
            return
        await self.app(scope, replay, send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _form_token(scope: Scope, body: bytes, content_type: str) -> str | None:
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FIELD)
        return values[0] if values else None
    request = Request(scope, _replayer(body))
    try:
        form = await request.form()
    except (HTTPException, MultiPartException, MultipartParseError):
        return None  # a body that is not the multipart it claims carries no token: 403
    try:
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


def _refusal(scope: Scope) -> Any:
    # Imported here: render imports this module (csrf_field).
    from app.web.render import gettext_for, render

    request = Request(scope)
    request.state.web_actor = None  # no database read on this page: the header shows no user
    _ = gettext_for(request)
    referer = request.headers.get("referer", "")
    back = referer if referer.startswith(str(request.base_url)) else "/"
    return render(
        request,
        "staff/csrf_failed.html",
        {"title": _("フォームの有効期限が切れました"), "back": back},
        status_code=403,
    )
