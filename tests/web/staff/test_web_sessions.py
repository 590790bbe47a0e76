"""Browser sessions at the service level, on SQLite and PostgreSQL: what is stored, the idle
and absolute timeouts, sign-out, the other sessions a password change ends, and the rule that
a page view does not write (last_seen_at at most once a minute, after the read)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.requests import HTTPConnection

from app.accounts import repository as account_repo
from app.accounts import web_sessions
from app.db import make_read_sessionmaker, session_scope, take_deferred_writes
from app.models import WebSession
from app.timeutil import utcnow
from app.web.staff import csrf
from tests.conftest import Accounts, Backend

LIMITS = web_sessions.Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _user_id(backend: Backend, name: str) -> str:
    with session_scope(backend.sessions) as session:
        user = account_repo.user_by_name_or_id(session, name)
        assert user is not None
        return user.id


def test_only_the_hash_of_the_session_id_is_stored(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    user_id = _user_id(backend, "hanako")
    with session_scope(backend.sessions) as session:
        raw = web_sessions.start(session, user_id)
    with session_scope(backend.sessions) as session:
        rows = list(session.scalars(select(WebSession)))
        assert len(rows) == 1
        assert rows[0].id_hash != raw and raw not in rows[0].id_hash
        assert rows[0].id_hash == web_sessions.hash_id(raw)
        user = web_sessions.resolve(session, raw, LIMITS)
        assert user is not None and user.name == "hanako"
        assert web_sessions.resolve(session, raw + "x", LIMITS) is None
        assert web_sessions.resolve(session, None, LIMITS) is None


def test_idle_timeout_ends_the_session_and_deletes_its_row(
    backend: Backend, users: Accounts
) -> None:
    users.make("hanako")
    user_id = _user_id(backend, "hanako")
    start = utcnow()
    with session_scope(backend.sessions) as session:
        raw = web_sessions.start(session, user_id, now=start)
    with session_scope(backend.sessions) as session:
        # 29 minutes idle: still signed in, and the visit is recorded
        assert web_sessions.resolve(session, raw, LIMITS, now=start + timedelta(minutes=29))
    with session_scope(backend.sessions) as session:
        # 29 + 29: idle for 29 minutes only, so still valid (last_seen moved)
        assert web_sessions.resolve(session, raw, LIMITS, now=start + timedelta(minutes=58))
    with session_scope(backend.sessions) as session:
        assert web_sessions.resolve(session, raw, LIMITS, now=start + timedelta(minutes=89)) is None
    with session_scope(backend.sessions) as session:
        assert session.scalars(select(WebSession)).first() is None


def test_absolute_timeout_ends_an_active_session(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    user_id = _user_id(backend, "hanako")
    start = utcnow()
    with session_scope(backend.sessions) as session:
        raw = web_sessions.start(session, user_id, now=start)
    # a request every 20 minutes keeps it from idling out ...
    for minutes in range(20, 12 * 60, 20):
        with session_scope(backend.sessions) as session:
            when = start + timedelta(minutes=minutes)
            assert web_sessions.resolve(session, raw, LIMITS, now=when) is not None, minutes
    # ... but 12 hours after sign-in it ends anyway
    with session_scope(backend.sessions) as session:
        late = start + timedelta(hours=12, minutes=1)
        assert web_sessions.resolve(session, raw, LIMITS, now=late) is None


def test_sign_out_and_inactive_user(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    user_id = _user_id(backend, "hanako")
    with session_scope(backend.sessions) as session:
        first = web_sessions.start(session, user_id)
        second = web_sessions.start(session, user_id)
        assert first != second  # every sign-in gets a new id
    with session_scope(backend.sessions) as session:
        web_sessions.end(session, first)
    with session_scope(backend.sessions) as session:
        assert web_sessions.resolve(session, first, LIMITS) is None
        assert web_sessions.resolve(session, second, LIMITS) is not None
        user = account_repo.user_by_name_or_id(session, "hanako")
        assert user is not None
        user.state = "deleted"
    with session_scope(backend.sessions) as session:
        assert web_sessions.resolve(session, second, LIMITS) is None


def test_end_others_keeps_only_the_current_session(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    users.make("taro")
    hanako, taro = _user_id(backend, "hanako"), _user_id(backend, "taro")
    with session_scope(backend.sessions) as session:
        here = web_sessions.start(session, hanako)
        elsewhere = web_sessions.start(session, hanako)
        other_user = web_sessions.start(session, taro)
    with session_scope(backend.sessions) as session:
        assert web_sessions.end_others(session, hanako, keep_raw=here) == 1
    with session_scope(backend.sessions) as session:
        assert web_sessions.resolve(session, here, LIMITS) is not None
        assert web_sessions.resolve(session, elsewhere, LIMITS) is None
        assert web_sessions.resolve(session, other_user, LIMITS) is not None


def test_a_read_does_not_write_and_touches_at_most_once_a_minute(
    backend: Backend, users: Accounts
) -> None:
    users.make("hanako")
    user_id = _user_id(backend, "hanako")
    start = utcnow()
    with session_scope(backend.sessions) as session:
        raw = web_sessions.start(session, user_id, now=start)
    reads = make_read_sessionmaker(backend.engine)
    # within the minute: nothing to write at all
    with session_scope(reads) as session:
        assert web_sessions.resolve(session, raw, LIMITS, now=start + timedelta(seconds=30))
        assert take_deferred_writes(session) == []
    # after a minute: the stamp is deferred to after the read, not written by it
    later = start + timedelta(minutes=2)
    with session_scope(reads) as session:
        assert web_sessions.resolve(session, raw, LIMITS, now=later)
        deferred = take_deferred_writes(session)
    assert len(deferred) == 1
    with session_scope(backend.sessions) as session:
        row = session.get(WebSession, web_sessions.hash_id(raw))
        assert row is not None and row.last_seen_at == start
        deferred[0](session)
    with session_scope(backend.sessions) as session:
        row = session.get(WebSession, web_sessions.hash_id(raw))
        assert row is not None and row.last_seen_at == later


def _conn(cookies: dict[str, str]) -> HTTPConnection:
    header = "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()
    return HTTPConnection({"type": "http", "headers": [(b"cookie", header)]})


def test_csrf_token_is_bound_to_the_browser_session(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    user_id = _user_id(backend, "hanako")
    pre = web_sessions.new_id()
    with session_scope(backend.sessions) as session:
        first = web_sessions.start(session, user_id)
        second = web_sessions.start(session, user_id)
    before = csrf.token_for(pre)
    assert csrf.is_valid(_conn({"catalog_presession": pre}), before)
    mine = _conn({"catalog_session": first, "catalog_presession": pre})
    # signed in, the session's token counts; the pre-session's and another session's do not
    assert csrf.is_valid(mine, csrf.token_for(first))
    assert not csrf.is_valid(mine, before)
    assert not csrf.is_valid(mine, csrf.token_for(second))
    assert not csrf.is_valid(mine, None) and not csrf.is_valid(_conn({}), before)
    # the token does not reveal the session id
    assert first not in csrf.token_for(first)
