"""Account pages: sign-in and sign-out, my page, API tokens and the password.

Who may do what is decided in the services (app.accounts.service, app.accounts.dashboard);
the routes read forms, turn service errors into messages beside the fields, and render.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts import web_sessions
from app.accounts.actor import Actor
from app.accounts.dashboard import dashboard as dashboard_of
from app.accounts.schemas import PASSWORD_MAX, PASSWORD_MIN, NewToken
from app.accounts.service import authenticate_password
from app.api.sessions import SessionDep
from app.errors import Forbidden, TooManyRequests, Unauthorized
from app.web.render import gettext_for
from app.web.staff import member_routes
from app.web.staff.auth import SignedInDep, WebActorDep
from app.web.staff.cookies import PRESESSION_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from app.web.staff.pages import render_staff, safe_came_from

router = APIRouter(include_in_schema=False)
router.include_router(member_routes.router)

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


# --- API tokens -------------------------------------------------------------------------

TOKEN_LIFETIMES = (30, 90, 365)


def _tokens_page(
    request: Request,
    session: Session,
    actor: Actor,
    name: str,
    *,
    new_token: NewToken | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    tokens = accounts.user_tokens(session, actor, name)
    _ = gettext_for(request)
    context = {
        "title": _("APIトークン"),
        "owner": name,
        "tokens": tokens,
        "new_token": new_token,
        "form": form or {"token_name": "", "expires_in_days": "365"},
        "errors": errors or {},
        "lifetimes": [(str(d), _("%(d)s 日") % {"d": d}) for d in TOKEN_LIFETIMES],
        "revoked": request.query_params.get("revoked") == "1",
    }
    return render_staff(request, "staff/api_tokens.html", context, status_code=status_code)


@router.get("/user/{name}/api-tokens", response_model=None)
def api_tokens(request: Request, session: SessionDep, actor: SignedInDep, name: str) -> Response:
    """The user's API tokens (their own, or anyone's for a sysadmin: the service decides)."""
    return _tokens_page(request, session, actor, name)


@router.post("/user/{name}/api-tokens", response_model=None)
def create_api_token(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    token_name: Annotated[str, Form()] = "",
    expires_in_days: Annotated[str, Form()] = "365",
) -> Response:
    """Create a token; the page that answers is the only place it is ever shown."""
    _ = gettext_for(request)
    form = {"token_name": token_name, "expires_in_days": expires_in_days}
    days = int(expires_in_days) if expires_in_days.isascii() and expires_in_days.isdigit() else 0
    errors: dict[str, str] = {}
    if not token_name.strip():
        errors["token_name"] = _("トークンの名前を入力してください（例: 収集スクリプト用）")
    elif len(token_name) > 200:
        errors["token_name"] = _("トークンの名前は200文字以内で入力してください")
    if days not in TOKEN_LIFETIMES:
        errors["expires_in_days"] = _("有効期間を選んでください")
    if errors:
        return _tokens_page(
            request, session, actor, name, form=form, errors=errors, status_code=400
        )
    created = accounts.create_user_token(session, actor, name, token_name.strip(), days)
    return _tokens_page(request, session, actor, name, new_token=created)


@router.post("/user/{name}/api-tokens/{token_id}/revoke", response_model=None)
def revoke_api_token(
    request: Request, session: SessionDep, actor: SignedInDep, name: str, token_id: str
) -> Response:
    accounts.revoke_user_token(session, actor, name, token_id)
    return RedirectResponse(f"/user/{quote(name)}/api-tokens?revoked=1", status_code=303)


# --- password ---------------------------------------------------------------------------


def _password_page(
    request: Request,
    name: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(request)
    context = {
        "title": _("パスワードの変更"),
        "owner": name,
        "errors": errors or {},
        "changed": request.query_params.get("changed") == "1",
        "password_min": PASSWORD_MIN,
    }
    return render_staff(request, "staff/password.html", context, status_code=status_code)


@router.get("/user/{name}/password", response_model=None)
def password_form(request: Request, actor: SignedInDep, name: str) -> Response:
    if name != actor.name:
        raise Forbidden(f"User {actor.name} may change only their own password")
    return _password_page(request, name)


@router.post("/user/{name}/password", response_model=None)
def change_password(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    """Change my password: the current one is required; my other sessions end."""
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = _("現在のパスワードを入力してください")
    if not new_password:
        errors["new_password"] = _("新しいパスワードを入力してください")
    elif new_password != confirm_password:
        errors["confirm_password"] = _(
            "確認のため、新しいパスワードをもう一度同じように入力してください"
        )
    if errors:
        return _password_page(request, name, errors=errors, status_code=400)
    try:
        # Guessing the current password here is a login attempt: the same per-user limit.
        request.app.state.rate_limits.check_login_user(actor.name)
        user = accounts.change_password(session, actor, name, current_password, new_password)
    except TooManyRequests as exc:
        retry = exc.headers["Retry-After"]
        message = _("ログインの試行が多すぎます。%(s)s 秒後にもう一度お試しください。")
        errors = {"current_password": message % {"s": retry}}
        return _password_page(request, name, errors=errors, status_code=429)
    except accounts.PasswordRule as exc:
        messages = {
            "current": ("current_password", _("現在のパスワードが正しくありません")),
            "too_short": (
                "new_password",
                _("新しいパスワードは%(n)s文字以上にしてください") % {"n": PASSWORD_MIN},
            ),
            "too_long": (
                "new_password",
                _("新しいパスワードは%(n)s文字以内にしてください") % {"n": PASSWORD_MAX},
            ),
            "same": ("new_password", _("現在のパスワードとは別のパスワードにしてください")),
        }
        field, message = messages[exc.rule]
        return _password_page(request, name, errors={field: message}, status_code=400)
    web_sessions.end_others(session, user.id, request.cookies.get(SESSION_COOKIE))
    return RedirectResponse(f"/user/{quote(name)}/password?changed=1", status_code=303)
