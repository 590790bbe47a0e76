"""/organization/members/{name}: the members of an organisation and their roles.

Only the organisation's admins and sysadmins (app.accounts.members decides; anyone else gets
the 403 page, for the page and for every POST). Errors of a POST re-render the page with the
message beside the field and the typed user name kept.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import members
from app.accounts.actor import Actor
from app.api.sessions import SessionDep
from app.errors import AppError
from app.web.i18n import choose_lang
from app.web.render import gettext_for
from app.web.staff.auth import SignedInDep
from app.web.staff.pages import render_staff

router = APIRouter(include_in_schema=False)


def _role_options(request: Request) -> list[tuple[str, str]]:
    _ = gettext_for(request)
    return [("member", _("メンバー")), ("editor", _("編集者")), ("admin", _("管理者"))]


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    name: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    org = members.managed_organization(session, actor, name)
    _ = gettext_for(request)
    org_title = org.title_en if choose_lang(request) == "en" and org.title_en else org.title
    context = {
        "title": _("%(org)s のメンバー") % {"org": org_title},
        "org": org,
        "members": members.list_members(session, actor, name),
        "roles": _role_options(request),
        "role_labels": dict(_role_options(request)),
        "form": form or {"user": "", "role": "editor"},
        "errors": errors or {},
        "done": request.query_params.get("done", ""),
        "who": request.query_params.get("user", ""),
    }
    return render_staff(request, "staff/members.html", context, status_code=status_code)


def _back(name: str, done: str, user: str) -> RedirectResponse:
    url = f"/organization/members/{quote(name)}?done={done}&user={quote(user)}"
    return RedirectResponse(url, status_code=303)


def _message(request: Request, exc: AppError, user: str) -> tuple[str, str]:
    """The field and the reader's message for a refused member change."""
    _ = gettext_for(request)
    if isinstance(exc, members.LastAdmin):
        return f"role-{user}", _(
            "%(user)s はこの組織の最後の管理者なので、外したり役割を下げたりできません。"
            "先にほかのメンバーを管理者にしてください。"
        ) % {"user": user}
    if isinstance(exc, members.AlreadyMember):
        return "user", _(
            "%(user)s はすでにメンバーです。"
            "役割を変えるには、一覧の「役割を変更」を使ってください。"
        ) % {"user": user}
    if isinstance(exc, members.UnknownUser):
        return "user", _("ユーザー「%(user)s」は見つかりません。ユーザー名を確認してください。") % {
            "user": user
        }
    return "user", exc.message


@router.get("/organization/members/{name}", response_model=None)
def member_list(request: Request, session: SessionDep, actor: SignedInDep, name: str) -> Response:
    return _page(request, session, actor, name)


@router.post("/organization/members/{name}/add", response_model=None)
def add_member(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    user: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "editor",
) -> Response:
    _ = gettext_for(request)
    form = {"user": user, "role": role}
    if not user.strip():
        errors = {"user": _("追加するユーザーのユーザー名を入力してください")}
        return _page(request, session, actor, name, form=form, errors=errors, status_code=400)
    try:
        added = members.add_member(session, actor, name, user, role)
    except (members.AlreadyMember, members.UnknownUser) as exc:
        field, message = _message(request, exc, user.strip())
        status = exc.status_code
        return _page(
            request, session, actor, name, form=form, errors={field: message}, status_code=status
        )
    return _back(name, "added", added.name)


@router.post("/organization/members/{name}/role", response_model=None)
def change_role(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    user: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    try:
        changed = members.change_role(session, actor, name, user, role)
    except members.LastAdmin as exc:
        field, message = _message(request, exc, user)
        return _page(request, session, actor, name, errors={field: message}, status_code=409)
    return _back(name, "role", changed.name)


@router.post("/organization/members/{name}/remove", response_model=None)
def remove_member(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    user: Annotated[str, Form()] = "",
) -> Response:
    try:
        members.remove_member(session, actor, name, user)
    except members.LastAdmin as exc:
        field, message = _message(request, exc, user)
        return _page(request, session, actor, name, errors={field: message}, status_code=409)
    return _back(name, "removed", user)
