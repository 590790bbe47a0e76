"""Authorisation rules, checked in the service layer for every surface."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.accounts.visibility import can_read_dataset
from app.errors import Forbidden, Unauthorized

__all__ = ["can_read_dataset", "require_authenticated", "require_role", "require_sysadmin"]


def require_authenticated(actor: Actor) -> None:
    if not actor.authenticated:
        raise Unauthorized("Authentication required: send an API token in the Authorization header")


def require_role(actor: Actor, organization_id: str, minimum: str, action: str) -> None:
    require_authenticated(actor)
    if not actor.has_role(organization_id, minimum):
        raise Forbidden(f"User {actor.name} is not allowed to {action}")


def require_sysadmin(actor: Actor, action: str) -> None:
    require_authenticated(actor)
    if not actor.sysadmin:
        raise Forbidden(f"Only a sysadmin may {action}")
