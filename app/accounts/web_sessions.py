"""Server-side browser sessions: start at sign-in, resolve per request, end at sign-out.

Rules (OWASP Session Management Cheat Sheet):
- the id is 256 random bits, made fresh at every sign-in (a pre-session id is never promoted);
  only its SHA-256 is stored;
- a session ends `idle` after its last request and `absolute` after sign-in, whichever first;
- `last_seen_at` is stamped at most once a minute, through `defer_write` on read requests, so
  a page view neither writes nor takes SQLite's write lock;
- sign-out deletes the row; a password change deletes the user's other sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from app.db import defer_write
from app.models import User, WebSession
from app.timeutil import utcnow

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_id() -> str:
    """A fresh random session id (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def start(session: Session, user_id: str, now: datetime | None = None) -> str:
    """A new session for `user_id`; returns the raw id for the cookie (never stored)."""
    raw = new_id()
    when = now or utcnow()
    session.add(
        WebSession(id_hash=hash_id(raw), user_id=user_id, created_at=when, last_seen_at=when)
    )
    session.flush()
    return raw


def resolve(
    session: Session, raw: str | None, timeouts: Timeouts, now: datetime | None = None
) -> User | None:
    """The active user of the session `raw`, or None (unknown, timed out, user not active).

    A timed-out session's row is deleted (later, on a read request).
    """
    if not raw:
        return None
    now = now or utcnow()
    row = session.get(WebSession, hash_id(raw))
    if row is None:
        return None
    id_hash = row.id_hash
    if now - row.last_seen_at > timeouts.idle or now - row.created_at > timeouts.absolute:
        defer_write(session, lambda s: _delete(s, id_hash))
        return None
    user = session.get(User, row.user_id)
    if user is None or user.state != "active":
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        defer_write(session, lambda s: _touch(s, id_hash, now))
    return user


def end(session: Session, raw: str | None) -> None:
    """Sign-out: the session's row is deleted, so its cookie no longer works anywhere."""
    if raw:
        _delete(session, hash_id(raw))


def end_others(session: Session, user_id: str, keep_raw: str | None) -> int:
    """Delete every session of `user_id` except `keep_raw` (after a password change)."""
    stmt = delete(WebSession).where(WebSession.user_id == user_id)
    if keep_raw:
        stmt = stmt.where(WebSession.id_hash != hash_id(keep_raw))
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def _delete(session: Session, id_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))


def _touch(session: Session, id_hash: str, when: datetime) -> None:
    session.execute(
        update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=when)
    )
