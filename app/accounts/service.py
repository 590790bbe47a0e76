"""Accounts: users, API tokens (hashed, shown once, revocable, expiring) and memberships."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from app.accounts import repository as repo
from app.accounts.actor import ANONYMOUS, Actor
from app.accounts.members import guard_last_admin
from app.accounts.passwords import hash_password, verify_password, verify_password_or_dummy
from app.accounts.permissions import require_authenticated, require_role, require_sysadmin
from app.accounts.schemas import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    MemberOut,
    NewToken,
    TokenCreate,
    TokenOut,
    UserCreate,
    UserOut,
)
from app.common.validate import FieldErrors, check_email, check_name
from app.db import defer_write
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from app.models import ApiToken, Membership, User
from app.organizations import repository as org_repo
from app.timeutil import utcnow

TOKEN_PREFIX = "jpcat_"


def _hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no KDF needed).
    return hashlib.sha256(raw.encode()).hexdigest()


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        name=user.name,
        fullname=user.fullname,
        email=user.email,
        sysadmin=user.sysadmin,
        created=user.created,
    )


def create_user(session: Session, actor: Actor, data: UserCreate) -> UserOut:
    require_sysadmin(actor, "create users")
    errors = FieldErrors()
    check_name(errors, "name", data.name)
    check_email(errors, "email", data.email)
    if errors:
        raise Invalid("Invalid user", errors.fields)
    if repo.user_by_name_or_id(session, data.name) is not None:
        raise Conflict(f"User name {data.name!r} is already taken", {"name": ["Already taken"]})
    user = User(
        name=data.name,
        fullname=data.fullname,
        email=data.email,
        sysadmin=data.sysadmin,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    return user_out(user)


def actor_for(session: Session, user: User) -> Actor:
    return Actor(
        user_id=user.id,
        name=user.name,
        sysadmin=user.sysadmin,
        roles=repo.roles_of(session, user.id),
    )


def authenticate_token(session: Session, raw: str | None) -> Actor:
    """The actor behind a raw token; anonymous when there is none, 401 when it is bad."""
    if not raw:
        return ANONYMOUS
    token = repo.token_by_hash(session, _hash_token(raw.strip()))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("Invalid API token")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("API token has expired")
    user = session.get(User, token.user_id)
    if user is None or user.state != "active":
        raise Unauthorized("Invalid API token")
    # Record use at most once a minute to keep reads cheap.
    if token.last_used is None or now - token.last_used > timedelta(minutes=1):
        token_id = token.id
        # A read request's session must not write: the stamp then follows in its own write.
        defer_write(session, lambda s: repo.touch_token(s, token_id, now))
    return actor_for(session, user)


def authenticate_password(session: Session, name: str, password: str) -> Actor:
    user = repo.user_by_name_or_id(session, name)
    # Always one Argon2 verification, so unknown and known users answer in the same time.
    matches = verify_password_or_dummy(user.password_hash if user else None, password)
    if user is None or user.state != "active" or not matches:
        raise Unauthorized("Wrong user name or password")
    return actor_for(session, user)


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created=token.created,
        expires_at=token.expires_at,
        last_used=token.last_used,
        revoked_at=token.revoked_at,
    )


def create_token(
    session: Session, actor: Actor, data: TokenCreate, default_days: int = 365
) -> NewToken:
    """A new token for the acting user, or for `data.user` when a sysadmin (or CLI) asks."""
    if data.user is not None and data.password is not None:
        actor = authenticate_password(session, data.user, data.password)
        target_ref = data.user
    elif data.user is not None:
        require_sysadmin(actor, "create tokens for other users")
        target_ref = data.user
    else:
        require_authenticated(actor)
        if actor.user_id is None:
            raise Invalid("Name the user to create a token for", {"user": ["Required"]})
        target_ref = actor.user_id
    user = repo.user_by_name_or_id(session, target_ref)
    if user is None:
        raise NotFound(f"User {target_ref!r} not found")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = data.expires_in_days or default_days
    token = ApiToken(
        user_id=user.id,
        name=data.name,
        token_hash=_hash_token(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 4],
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return NewToken(token=raw, **_token_out(token).model_dump())


def list_tokens(session: Session, actor: Actor) -> list[TokenOut]:
    require_authenticated(actor)
    if actor.user_id is None:
        return []
    return [_token_out(t) for t in repo.tokens_of(session, actor.user_id)]


def revoke_token(session: Session, actor: Actor, token_id: str) -> TokenOut:
    require_authenticated(actor)
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.user_id and not actor.sysadmin):
        raise NotFound(f"Token {token_id!r} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return _token_out(token)


def set_member(session: Session, actor: Actor, org_ref: str, user_ref: str, role: str) -> MemberOut:
    """Add a user to an organisation or change their role (organisation admins and sysadmins)."""
    org = org_repo.by_ref(session, org_ref)
    if org is None:
        raise NotFound(f"Organization {org_ref!r} not found")
    require_role(actor, org.id, "admin", f"manage members of {org.name}")
    if role not in ("member", "editor", "admin"):
        raise Invalid("Invalid role", {"role": ["Must be member, editor or admin"]})
    user = repo.user_by_name_or_id(session, user_ref)
    if user is None:
        raise NotFound(f"User {user_ref!r} not found")
    existing = repo.membership(session, user.id, org.id)
    if existing is None:
        session.add(Membership(user_id=user.id, organization_id=org.id, role=role))
    else:
        guard_last_admin(session, existing, role)
        existing.role = role
    session.flush()
    return MemberOut(user=user.name, organization=org.name, role=role)


def _account_of(session: Session, actor: Actor, user_ref: str, action: str) -> User:
    """The user `user_ref` if `actor` may `action` for them: themselves, or a sysadmin."""
    require_authenticated(actor)
    user = repo.user_by_name_or_id(session, user_ref)
    if user is None:
        raise NotFound(f"User {user_ref!r} not found")
    if user.id != actor.user_id and not actor.sysadmin:
        raise Forbidden(f"User {actor.name} may not {action} of {user.name}")
    return user


def user_tokens(session: Session, actor: Actor, user_ref: str) -> list[TokenOut]:
    """The API tokens of `user_ref`, oldest first (its owner or a sysadmin; else 403)."""
    user = _account_of(session, actor, user_ref, "see the API tokens")
    return [_token_out(t) for t in repo.tokens_of(session, user.id)]


def create_user_token(
    session: Session,
    actor: Actor,
    user_ref: str,
    name: str,
    expires_in_days: int | None = None,
    default_days: int = 365,
) -> NewToken:
    """A new token for `user_ref` (its owner or a sysadmin); the raw token is in the answer
    only. Errors: 403, 404, 422 (`expires_in_days` outside 1..3650)."""
    user = _account_of(session, actor, user_ref, "create API tokens")
    data = TokenCreate(name=name, expires_in_days=expires_in_days)
    if user.id == actor.user_id:
        return create_token(session, actor, data, default_days)
    return create_token(session, actor, data.model_copy(update={"user": user.name}), default_days)


def revoke_user_token(session: Session, actor: Actor, user_ref: str, token_id: str) -> TokenOut:
    """Revoke one of `user_ref`'s tokens (its owner or a sysadmin); 404 for another's token."""
    user = _account_of(session, actor, user_ref, "revoke API tokens")
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(f"Token {token_id!r} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return _token_out(token)


class PasswordRule(Invalid):
    """A password change broke a rule; `rule` names it (current, too_short, too_long, same)."""

    def __init__(self, rule: str, message: str, field: str) -> None:
        super().__init__(message, {field: [message]})
        self.rule = rule


def change_password(session: Session, actor: Actor, user_ref: str, current: str, new: str) -> User:
    """Set a new password for `user_ref`, who must be the actor and know the current one.

    Rules: the current password verifies; the new one is PASSWORD_MIN..PASSWORD_MAX characters
    (as at account creation) and differs from the current one. The caller ends the user's
    other browser sessions (app.accounts.web_sessions.end_others).
    """
    require_authenticated(actor)
    user = repo.user_by_name_or_id(session, user_ref)
    if user is None or user.id != actor.user_id:
        raise Forbidden(f"User {actor.name} may change only their own password")
    if not verify_password(user.password_hash, current):
        raise PasswordRule("current", "The current password is not correct", "current_password")
    if len(new) < PASSWORD_MIN:
        raise PasswordRule("too_short", f"Use at least {PASSWORD_MIN} characters", "new_password")
    if len(new) > PASSWORD_MAX:
        raise PasswordRule("too_long", f"Use at most {PASSWORD_MAX} characters", "new_password")
    if new == current:
        raise PasswordRule("same", "Choose a password other than the current one", "new_password")
    user.password_hash = hash_password(new)
    session.flush()
    return user
