"""Who is acting on a web page: the browser session, else an API token header, else nobody.

- `WebActorDep`: the `Actor` of the request (anonymous when not signed in). The session cookie
  counts only on web pages; `/api/...` routes keep `app.api.auth.ActorDep` (tokens only), so a
  cookie can never be used to forge an API call.
- `SignedInDep`: the same, but an anonymous caller is sent (303) to
  `/user/login?came_from=<path+query>` and lands back there after signing in.
- `PageActorDep`: for URLs that serve a page and RDF; the web actor for the page only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import web_sessions
from app.accounts.actor import Actor
from app.accounts.service import actor_for, authenticate_token
from app.api.auth import token_from_headers
from app.api.sessions import get_session
from app.db import session_scope, take_deferred_writes
from app.dcat.formats import HTML, negotiate, split_ext
from app.web.staff.cookies import SESSION_COOKIE


class SignInRequired(Exception):
    """Raised by `SignedInDep` for an anonymous caller; answered with a 303 to the sign-in."""

    def __init__(self, came_from: str) -> None:
        super().__init__(came_from)
        self.came_from = came_from


def timeouts(request: Request) -> web_sessions.Timeouts:
    settings = request.app.state.settings
    return web_sessions.Timeouts(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def session_actor(session: Session, request: Request) -> Actor | None:
    """The signed-in actor of the request's session cookie, or None."""
    user = web_sessions.resolve(session, request.cookies.get(SESSION_COOKIE), timeouts(request))
    return actor_for(session, user) if user is not None else None


def web_actor(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Actor:
    actor = session_actor(session, request) if SESSION_COOKIE in request.cookies else None
    if actor is None:
        actor = authenticate_token(session, token_from_headers(request))
    request.state.web_actor = actor  # the header shows who is signed in
    return actor


WebActorDep = Annotated[Actor, Depends(web_actor, scope="function")]


def wants_page(request: Request) -> bool:
    """Whether a URL that also serves RDF will answer this request with its HTML page."""
    _stem, explicit = split_ext(request.url.path.rsplit("/", 1)[-1])
    return explicit is None and negotiate(request.headers.get("accept"), html=True) is HTML


def page_actor(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Actor:
    """For URLs with an HTML page and RDF twins (app.api.dcat): the page sees the signed-in
    user (same visibility rule as the API for that user); the RDF keeps token-only auth, so
    what a cookie unlocks is never served with shared-cache headers."""
    if wants_page(request):
        return web_actor(request, session)
    return authenticate_token(session, token_from_headers(request))


PageActorDep = Annotated[Actor, Depends(page_actor, scope="function")]


def signed_in(request: Request, actor: WebActorDep) -> Actor:
    if not actor.authenticated:
        query = request.url.query
        raise SignInRequired(request.url.path + (f"?{query}" if query else ""))
    return actor


SignedInDep = Annotated[Actor, Depends(signed_in, scope="function")]


def login_url(came_from: str | None) -> str:
    return "/user/login" + (f"?{urlencode({'came_from': came_from})}" if came_from else "")


def header_actor(request: Request) -> Actor | None:
    """The actor the page header shows: the route's, else the session cookie's (own read).

    Pages that do not use `WebActorDep` (public pages) still show who is signed in; the
    lookup happens only when the browser sends a session cookie.
    """
    if hasattr(request.state, "web_actor"):
        known: Actor | None = request.state.web_actor
        return known
    if SESSION_COOKIE not in request.cookies:
        return None
    db = request.app.state.db
    with session_scope(db.read_sessions) as session:
        actor = session_actor(session, request)
        deferred = take_deferred_writes(session)
    if deferred:
        with session_scope(db.write_sessions) as session:
            for work in deferred:
                work(session)
    request.state.web_actor = actor
    return actor


def install(app: FastAPI) -> None:
    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(login_url(exc.came_from), status_code=303)

    app.add_exception_handler(SignInRequired, on_sign_in_required)


__all__ = [
    "PageActorDep",
    "SignedInDep",
    "WebActorDep",
    "header_actor",
    "install",
    "page_actor",
    "web_actor",
]
