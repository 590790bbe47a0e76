"""CKAN Action API v3: `/api/3/action/{name}` and `/api/action/{name}`.

The route reads the request, finds the action, and returns CKAN's envelope. Errors are raised,
not caught: the request's session rolls back, then `envelope.install`'s handler renders them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from app.api.auth import current_actor
from app.api.ckan import actions_read, actions_write, package_search
from app.api.ckan.envelope import BadRequest, JSONBody, success
from app.api.ckan.params import ActionRequest, data_dict, read_request, require
from app.api.ckan.registry import Action, ActionContext
from app.api.sessions import session_for
from app.config import Settings
from app.errors import NotFound

router = APIRouter(include_in_schema=False)


def help_show(ctx: ActionContext, data: dict[str, Any]) -> str:
    """Return the help text of an action.

    :param name: the action's name
    """
    name = require(data, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"Action function not found: {name}")
    return (action.fn.__doc__ or "").strip()


ACTIONS: dict[str, Action] = {
    **actions_read.ACTIONS,
    **package_search.ACTIONS,
    **actions_write.ACTIONS,
    "help_show": Action(help_show, read=True),
}


def _writes(request: Request) -> bool:
    """Side-effect-free actions get a read session even by POST (ckanapi posts every call)."""
    action = ACTIONS.get(request.path_params.get("name", ""))
    return action is None or not action.read


CkanSessionDep = Annotated[Session, Depends(session_for(_writes), scope="function")]


@router.get("/api/3")
@router.get("/api")
def api_version() -> JSONBody:
    return JSONBody({"version": 3})


@router.api_route("/api/3/action/{name}", methods=["GET", "POST"])
@router.api_route("/api/action/{name}", methods=["GET", "POST"])
def call_action(
    name: str,
    request: Request,
    session: CkanSessionDep,
    req: Annotated[ActionRequest, Depends(read_request)],
) -> JSONBody:
    action = ACTIONS.get(name)
    if action is None:
        raise BadRequest(f"Action name not known: {name}")
    data = data_dict(req, read_action=action.read)
    settings: Settings = request.app.state.settings
    ctx = ActionContext(session=session, actor=current_actor(request, session), settings=settings)
    return success(settings, name, action.fn(ctx, data))
