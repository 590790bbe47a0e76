"""Organisation members and roles: list, add by user name, change role, remove.

Who: the organisation's admins and sysadmins (CKAN's `member_create` / `member_delete` rule).
The last admin of an organisation can be neither removed nor demoted: someone must always be
able to manage its members (refused with `LastAdmin`, 409).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import repository as repo
from app.accounts.actor import ROLE_RANK, Actor
from app.accounts.permissions import require_role
from app.errors import Conflict, Invalid, NotFound
from app.models import Membership, Organization, User
from app.models.account import ROLES
from app.organizations import repository as org_repo


class LastAdmin(Conflict):
    """The change would leave the organisation without an admin."""


class AlreadyMember(Conflict):
    """The user to add is already a member (change their role instead)."""


class UnknownUser(NotFound):
    """No user has that name."""


@dataclass(frozen=True)
class Member:
    name: str
    fullname: str
    role: str  # member | editor | admin


def managed_organization(session: Session, actor: Actor, org_ref: str) -> Organization:
    """The organisation `org_ref` if `actor` may manage its members (404 / 401 / 403)."""
    org = org_repo.by_ref(session, org_ref)
    if org is None:
        raise NotFound(f"Organization {org_ref!r} not found")
    require_role(actor, org.id, "admin", f"manage the members of {org.name}")
    return org


def list_members(session: Session, actor: Actor, org_ref: str) -> list[Member]:
    """Members by role (admins first), then name."""
    org = managed_organization(session, actor, org_ref)
    rows = session.execute(
        select(User.name, User.fullname, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id)
    )
    members = [Member(name, fullname, role) for name, fullname, role in rows]
    return sorted(members, key=lambda m: (-ROLE_RANK[m.role], m.name))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid("Invalid role", {"role": ["Must be member, editor or admin"]})


def _user(session: Session, user_ref: str) -> User:
    user = repo.user_by_name_or_id(session, user_ref.strip())
    if user is None:
        raise UnknownUser(f"User {user_ref!r} not found", {"user": ["No user has this name"]})
    return user


def guard_last_admin(session: Session, membership: Membership, new_role: str | None) -> None:
    """Refuse to demote (`new_role` below admin) or remove (None) the last admin."""
    if membership.role != "admin" or new_role == "admin":
        return
    admins = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == membership.organization_id, Membership.role == "admin")
    )
    if (admins or 0) <= 1:
        raise LastAdmin(
            "An organization needs at least one admin: make another member admin first",
            {"role": ["The last admin cannot be removed or demoted"]},
        )


def add_member(session: Session, actor: Actor, org_ref: str, user_ref: str, role: str) -> Member:
    org = managed_organization(session, actor, org_ref)
    _check_role(role)
    user = _user(session, user_ref)
    if repo.membership(session, user.id, org.id) is not None:
        raise AlreadyMember(
            f"User {user.name!r} is already a member of {org.name}",
            {"user": ["Already a member"]},
        )
    session.add(Membership(user_id=user.id, organization_id=org.id, role=role))
    session.flush()
    return Member(user.name, user.fullname, role)


def change_role(session: Session, actor: Actor, org_ref: str, user_ref: str, role: str) -> Member:
    org = managed_organization(session, actor, org_ref)
    _check_role(role)
    user = _user(session, user_ref)
    membership = repo.membership(session, user.id, org.id)
    if membership is None:
        raise NotFound(f"User {user.name!r} is not a member of {org.name}")
    guard_last_admin(session, membership, role)
    membership.role = role
    session.flush()
    return Member(user.name, user.fullname, role)


def remove_member(session: Session, actor: Actor, org_ref: str, user_ref: str) -> None:
    org = managed_organization(session, actor, org_ref)
    user = _user(session, user_ref)
    membership = repo.membership(session, user.id, org.id)
    if membership is None:
        raise NotFound(f"User {user.name!r} is not a member of {org.name}")
    guard_last_admin(session, membership, None)
    session.delete(membership)
    session.flush()
