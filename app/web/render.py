"""The Jinja2 environment and the one function every page renders through.

Templates live in `templates/` (one base layout, `macros.html` for the shared patterns);
autoescaping is on everywhere, and user text reaches markup only through `linkify` (escapes
everything, then links bare http(s) URLs and keeps line breaks) and `snippet`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app.api.auth import token_from_headers
from app.api.http_cache import conditional
from app.web import i18n
from app.web.staff.auth import header_actor, login_url
from app.web.staff.cookies import PRESESSION_COOKIE, set_cookie
from app.web.staff.csrf import csrf_field

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HTML_TYPE = "text/html; charset=utf-8"
_URL_RE = re.compile(r"https?://[^\s<>\"'（）「」、。]+")

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


def linkify(text: str | None) -> Markup:
    """Escaped text with http(s) URLs as links and line breaks kept; nothing else rendered."""
    if not text:
        return Markup("")
    out: list[str] = []
    last = 0
    for m in _URL_RE.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        url = escape(m.group())
        out.append(f'<a href="{url}" rel="nofollow noopener">{url}</a>')
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out).replace("\r\n", "\n").replace("\n", "<br>\n"))


def filesize(size: int | None) -> str:
    """Bytes as B / KB / MB / GB (1024-based, one decimal above KB)."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def day(value: date | datetime | None) -> str:
    """ISO date (YYYY-MM-DD): the same for both languages and unambiguous."""
    return value.strftime("%Y-%m-%d") if value is not None else ""


def number(value: int | None) -> str:
    return f"{value or 0:,}"


def is_http(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("http://", "https://"))


env.filters.update(linkify=linkify, filesize=filesize, day=day, number=number)
env.tests["http"] = is_http
env.globals["csrf_field"] = csrf_field


def url_for_query(path: str, params: list[tuple[str, str]]) -> str:
    """`path` with `params` as its query string (empty values dropped)."""
    kept = [(k, v) for k, v in params if v != ""]
    return f"{path}?{urlencode(kept)}" if kept else path


def lang_url(request: Request, lang: str) -> str:
    """This page in `lang`: the same URL with `lang` replaced."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return url_for_query(request.url.path, [*params, ("lang", lang)])


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    head: str = "",
    last_modified: datetime | None = None,
) -> Response:
    """Render `template` in the reader's language; remembers an explicit `lang` in a cookie.

    `head` is extra markup for <head> that the caller built safely (e.g. JSON-LD). With
    `last_modified`, the page answers conditional GETs (ETag of the rendered body, so each
    language has its own; 304 when the client has it). A page for a signed-in user shows them
    in the header, so it is never shared: `private, no-store`, no ETag, no 304.
    """
    actor = header_actor(request)
    web_user = actor if actor is not None and actor.authenticated else None
    lang = i18n.choose_lang(request)
    tr = i18n.translations(lang)
    settings = request.app.state.settings
    site_title = settings.site_title_en if lang == "en" else settings.site_title
    values = {
        "request": request,
        "lang": lang,
        "other_lang": "ja" if lang == "en" else "en",
        "lang_url": lambda code: lang_url(request, code),
        "site_title": site_title,
        "path": request.url.path,
        "extra_head": Markup(head),
        "web_user": web_user,
        "login_url": login_url(None if request.url.path.startswith("/user/") else _here(request)),
        **context,
    }
    tmpl = env.get_template(template)
    # Bind the reader's catalogue for this render only (the environment is shared).
    body = tmpl.render(
        values,
        gettext=tr.gettext,
        ngettext=tr.ngettext,
        _=tr.gettext,
    )
    headers = {"Content-Language": lang, "Vary": "Accept, Cookie"}
    response: Response
    if last_modified is not None and status_code == 200 and web_user is None:
        private = token_from_headers(request) is not None
        response = conditional(
            request, body.encode(), HTML_TYPE, last_modified, private=private, extra=headers
        )
    else:
        response = HTMLResponse(body, status_code=status_code, headers=headers)
        response.headers["Cache-Control"] = "private, no-cache"
    if web_user is not None:
        response.headers["Cache-Control"] = "private, no-store"
    presession = getattr(request.state, "new_presession", None)
    if presession is not None:  # csrf_field() gave this browser its pre-session id
        set_cookie(response, request, PRESESSION_COOKIE, presession)
    if i18n.requested_lang(request) is not None:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=i18n.COOKIE_MAX_AGE, samesite="lax", httponly=True
        )
    return response


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def gettext_for(request: Request) -> Any:
    """The reader's gettext, for strings built in Python (page titles, labels)."""
    return i18n.translations(i18n.choose_lang(request)).gettext
