"""Queries for users, memberships and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import ApiToken, Membership, User


def user_by_name_or_id(session: Session, ref: str) -> User | None:
    return session.scalars(select(User).where((User.name == ref) | (User.id == ref))).first()


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()


def touch_token(session: Session, token_id: str, when: datetime) -> None:
    """Stamp a token's `last_used` (a plain UPDATE: the row may belong to another session)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used=when))


def roles_of(session: Session, user_id: str) -> dict[str, str]:
    rows = session.execute(
        select(Membership.organization_id, Membership.role).where(Membership.user_id == user_id)
    )
    return {org_id: role for org_id, role in rows}


def membership(session: Session, user_id: str, organization_id: str) -> Membership | None:
    return session.scalars(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == organization_id
        )
    ).first()


def tokens_of(session: Session, user_id: str) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created)
        )
    )
