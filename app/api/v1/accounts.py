"""Native REST API: users, tokens, organisation members."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.accounts import service
from app.accounts.schemas import (
    MemberIn,
    MemberOut,
    NewToken,
    TokenCreate,
    TokenOut,
    UserCreate,
    UserOut,
)
from app.api.auth import ActorDep, SessionDep
from app.api.json_input import CheckedJSONRoute
from app.config import get_settings

router = APIRouter(tags=["accounts"], route_class=CheckedJSONRoute)


@router.post("/tokens", response_model=NewToken, status_code=201)
def create_token(
    request: Request, session: SessionDep, actor: ActorDep, data: TokenCreate
) -> NewToken:
    """A new API token, shown once. Authenticate with a token, or send `user` and `password`.

    Password logins are rate limited per client IP and per user name (`rate_limit_login`):
    429 with `Retry-After` past the limit.
    """
    if data.user is not None and data.password is not None:
        request.app.state.rate_limits.check_login_user(data.user)
    return service.create_token(session, actor, data, get_settings().token_default_days)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: SessionDep, actor: ActorDep) -> list[TokenOut]:
    return service.list_tokens(session, actor)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(session: SessionDep, actor: ActorDep, token_id: str) -> TokenOut:
    return service.revoke_token(session, actor, token_id)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(session: SessionDep, actor: ActorDep, data: UserCreate) -> UserOut:
    return service.create_user(session, actor, data)


@router.post("/organizations/{name}/members", response_model=MemberOut)
def set_member(session: SessionDep, actor: ActorDep, name: str, data: MemberIn) -> MemberOut:
    return service.set_member(session, actor, name, data.user, data.role)
