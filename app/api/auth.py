"""Who is calling: the API token from `Authorization` (bare or Bearer) or `X-CKAN-API-Key`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.service import authenticate_token
from app.api.sessions import SessionDep, get_session


def token_from_headers(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, rest = header.strip().partition(" ")
        # CKAN clients send the bare token; others send "Bearer <token>".
        return rest.strip() if scheme.lower() == "bearer" and rest else header.strip()
    return request.headers.get("x-ckan-api-key") or None


def current_actor(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Actor:
    return authenticate_token(session, token_from_headers(request))


ActorDep = Annotated[Actor, Depends(current_actor, scope="function")]
__all__ = ["ActorDep", "SessionDep", "current_actor", "token_from_headers"]
