"""Account pages: sign-in and sign-out, my page, API tokens and the password.

Who may do what is decided in the services (app.accounts.service, app.accounts.dashboard);
the routes read forms, turn service errors into messages beside the fields, and render.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import web_sessions
from app.accounts.dashboard import dashboard as dashboard_of
from app.accounts.service import authenticate_password
from app.api.sessions import SessionDep
from app.errors import TooManyRequests, Unauthorized
from app.web.render import gettext_for
from app.web.staff.auth import SignedInDep, WebActorDep
from app.web.staff.cookies import PRESESSION_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from app.web.staff.pages import render_staff, safe_came_from

router = APIRouter(include_in_schema=False)

HOME_AFTER_SIGN_IN = "/dashboard"


def _login_page(
    request: Request,
    *,
    name: str = "",
    came_from: str | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    _ = gettext_for(request)
    context = {
        "title": _("ログイン"),
        "name": name,
        "came_from": came_from or "",
        "errors": errors or {},
        "failure": failure,
    }
    return render_staff(request, "staff/login.html", context, status_code=status_code)


@router.get("/user/login", response_model=None)
def login_form(request: Request, actor: WebActorDep) -> Response:
    came_from = safe_came_from(request.query_params.get("came_from"))
    return _login_page(request, came_from=came_from)


@router.post("/user/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    came_from_field: Annotated[str, Form(alias="came_from")] = "",
) -> Response:
    """Sign in: the API's login rate limits and constant-time check; a fresh session id."""
    name = name.strip()
    came_from = safe_came_from(came_from_field)
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("ユーザー名を入力してください")
    if not password:
        errors["password"] = _("パスワードを入力してください")
    if errors:
        return _login_page(request, name=name, came_from=came_from, errors=errors, status_code=400)
    limits = request.app.state.rate_limits
    ip = request.client.host if request.client else "unknown"
    try:
        limits.check_login_ip(ip)
        limits.check_login_user(name)
        actor = authenticate_password(session, name, password)
    except TooManyRequests as exc:
        retry = exc.headers["Retry-After"]
        message = _("ログインの試行が多すぎます。%(s)s 秒後にもう一度お試しください。")
        message = message % {"s": retry}
        page = _login_page(
            request, name=name, came_from=came_from, failure=message, status_code=429
        )
        page.headers["Retry-After"] = retry
        return page
    except Unauthorized:
        # One message whether or not the user exists (and the same time: see the service).
        message = _("ユーザー名またはパスワードが正しくありません。")
        return _login_page(
            request, name=name, came_from=came_from, failure=message, status_code=401
        )
    assert actor.user_id is not None
    raw = web_sessions.start(session, actor.user_id)
    response = RedirectResponse(came_from or HOME_AFTER_SIGN_IN, status_code=303)
    # The pre-session id is dropped, never promoted: the signed-in id is new.
    set_cookie(response, request, SESSION_COOKIE, raw)
    clear_cookie(response, request, PRESESSION_COOKIE)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/user/logout", response_model=None)
def logout_form(request: Request, actor: WebActorDep) -> Response:
    """A page with the sign-out button (signing out is a POST, so no link can do it)."""
    _ = gettext_for(request)
    return render_staff(request, "staff/logout.html", {"title": _("ログアウト")})


@router.post("/user/logout", response_model=None)
def logout(request: Request, session: SessionDep) -> Response:
    web_sessions.end(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/user/login?signed_out=1", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/dashboard", response_model=None)
def dashboard(request: Request, session: SessionDep, actor: SignedInDep) -> Response:
    """My page: my organisations and role, my datasets (drafts too), my organisations' jobs."""
    _ = gettext_for(request)
    board = dashboard_of(session, actor)
    return render_staff(request, "staff/dashboard.html", {"title": _("マイページ"), "board": board})
