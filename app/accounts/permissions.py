"""Authorisation rules, checked in the service layer for every surface."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.errors import Forbidden, Unauthorized


def can_read_dataset(actor: Actor, owner_org: str, private: bool, state: str) -> bool:
    if state == "active" and not private:
        return True
    if state == "deleted":
        return actor.has_role(owner_org, "editor")
    # private or draft: any member of the organisation
    return actor.has_role(owner_org, "member")


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
