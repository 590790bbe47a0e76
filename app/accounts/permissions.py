"""Authorisation rules, checked in the service layer for every surface."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.accounts.visibility import can_read_dataset
from app.errors import Forbidden, Unauthorized

__all__ = [
    "DATASET_EDITOR",
    "can_read_dataset",
    "may",
    "may_edit_dataset",
    "require_authenticated",
    "require_role",
    "require_sysadmin",
]

# The least role in the owning organisation that may edit or delete a dataset and its resources.
DATASET_EDITOR = "editor"


def require_authenticated(actor: Actor) -> None:
    if not actor.authenticated:
        raise Unauthorized("Authentication required: send an API token in the Authorization header")


def may(actor: Actor, organization_id: str, minimum: str) -> bool:
    """Whether `actor` holds at least role `minimum` in the organisation (what require_role
    enforces; pages use it to show only the actions the service would allow)."""
    return actor.authenticated and actor.has_role(organization_id, minimum)


def may_edit_dataset(actor: Actor, owner_org: str) -> bool:
    """Whether `actor` may edit a dataset of `owner_org` (organisation id) and its resources."""
    return may(actor, owner_org, DATASET_EDITOR)


def require_role(actor: Actor, organization_id: str, minimum: str, action: str) -> None:
    require_authenticated(actor)
    if not may(actor, organization_id, minimum):
        raise Forbidden(f"User {actor.name} is not allowed to {action}")


def require_sysadmin(actor: Actor, action: str) -> None:
    require_authenticated(actor)
    if not actor.sysadmin:
        raise Forbidden(f"Only a sysadmin may {action}")
