"""The account rules of the staff pages at the service level, on SQLite and PostgreSQL:
who may manage whose API tokens, the password change rules, and the member rules (org admins
and sysadmins only; the last admin can be neither removed nor demoted)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.accounts import members
from app.accounts import service as accounts
from app.accounts.actor import Actor
from app.accounts.repository import user_by_name_or_id
from app.db import session_scope
from app.errors import Forbidden, NotFound, Unauthorized
from tests.conftest import Accounts, Backend

ORG_A = "011002"
ORG_B = "131016"


def _actor(session: Session, name: str) -> Actor:
    user = user_by_name_or_id(session, name)
    assert user is not None
    return accounts.actor_for(session, user)


def test_tokens_are_managed_by_their_owner_or_a_sysadmin(backend: Backend, users: Accounts) -> None:
    users.make("hanako", org=ORG_A)
    users.make("taro", org=ORG_A, role="admin")
    users.make("root", sysadmin=True)
    with session_scope(backend.sessions) as session:
        hanako = _actor(session, "hanako")
        created = accounts.create_user_token(session, hanako, "hanako", "script", 30)
        assert created.token.startswith("jpcat_")
        names = [t.name for t in accounts.user_tokens(session, hanako, "hanako")]
        assert names == ["test", "script"]
        # an admin of the same organisation is not a sysadmin: refused
        taro = _actor(session, "taro")
        with pytest.raises(Forbidden):
            accounts.user_tokens(session, taro, "hanako")
        with pytest.raises(Forbidden):
            accounts.create_user_token(session, taro, "hanako", "mine now")
        with pytest.raises(Forbidden):
            accounts.revoke_user_token(session, taro, "hanako", created.id)
        # taro's own token cannot be revoked through hanako's list
        taro_token = accounts.create_user_token(session, taro, "taro", "t", 30)
        with pytest.raises(NotFound):
            accounts.revoke_user_token(session, hanako, "hanako", taro_token.id)
        # a sysadmin may
        root = _actor(session, "root")
        assert len(accounts.user_tokens(session, root, "hanako")) == 2
        revoked = accounts.revoke_user_token(session, root, "hanako", created.id)
        assert revoked.revoked_at is not None
    with session_scope(backend.sessions) as session, pytest.raises(Unauthorized):
        accounts.authenticate_token(session, created.token)


def test_password_change_rules(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    users.make("root", sysadmin=True)
    with session_scope(backend.sessions) as session:
        hanako = _actor(session, "hanako")
        rules = {}
        for current, new in [
            ("wrong", "a new long passphrase"),
            ("correct horse", "short"),
            ("correct horse", "correct horse"),
            ("correct horse", "x" * 1025),
        ]:
            with pytest.raises(accounts.PasswordRule) as refused:
                accounts.change_password(session, hanako, "hanako", current, new)
            rules[new[:10]] = refused.value.rule
        assert rules == {
            "a new long": "current",
            "short": "too_short",
            "correct ho": "same",
            "x" * 10: "too_long",
        }
        with pytest.raises(Forbidden):  # not even a sysadmin changes another's password here
            accounts.change_password(
                session, _actor(session, "root"), "hanako", "correct horse", "another one!"
            )
        accounts.change_password(session, hanako, "hanako", "correct horse", "a new passphrase")
    with session_scope(backend.sessions) as session:
        assert (
            accounts.authenticate_password(session, "hanako", "a new passphrase").name == "hanako"
        )


def test_members_only_org_admins_and_sysadmins(backend: Backend, users: Accounts) -> None:
    users.make("admin-a", org=ORG_A, role="admin")
    users.make("editor-a", org=ORG_A, role="editor")
    users.make("editor-b", org=ORG_B, role="editor")
    users.make("root", sysadmin=True)
    users.make("newcomer")
    with session_scope(backend.sessions) as session:
        for name in ("editor-a", "editor-b"):
            actor = _actor(session, name)
            with pytest.raises(Forbidden):
                members.list_members(session, actor, ORG_A)
            with pytest.raises(Forbidden):
                members.add_member(session, actor, ORG_A, "newcomer", "admin")
            with pytest.raises(Forbidden):
                members.remove_member(session, actor, ORG_A, "admin-a")
        admin = _actor(session, "admin-a")
        listed = [(m.name, m.role) for m in members.list_members(session, admin, ORG_A)]
        assert listed == [("admin-a", "admin"), ("editor-a", "editor")]
        members.add_member(session, admin, ORG_A, "newcomer", "member")
        with pytest.raises(members.AlreadyMember):
            members.add_member(session, admin, ORG_A, "newcomer", "editor")
        with pytest.raises(members.UnknownUser):
            members.add_member(session, admin, ORG_A, "nobody", "editor")
        members.change_role(session, admin, ORG_A, "newcomer", "editor")
        root = _actor(session, "root")
        members.remove_member(session, root, ORG_A, "newcomer")
        listed = [(m.name, m.role) for m in members.list_members(session, root, ORG_A)]
        assert listed == [("admin-a", "admin"), ("editor-a", "editor")]


def test_the_last_admin_stays(backend: Backend, users: Accounts) -> None:
    users.make("admin-a", org=ORG_A, role="admin")
    users.make("editor-a", org=ORG_A, role="editor")
    users.make("root", sysadmin=True)
    with session_scope(backend.sessions) as session:
        root = _actor(session, "root")
        with pytest.raises(members.LastAdmin):
            members.change_role(session, root, ORG_A, "admin-a", "editor")
        with pytest.raises(members.LastAdmin):
            members.remove_member(session, root, ORG_A, "admin-a")
        with pytest.raises(members.LastAdmin):  # the API's set_member keeps the rule too
            accounts.set_member(session, root, ORG_A, "admin-a", "member")
        # with a second admin, the first may step down
        members.change_role(session, root, ORG_A, "editor-a", "admin")
        members.change_role(session, root, ORG_A, "admin-a", "editor")
        listed = {m.name: m.role for m in members.list_members(session, root, ORG_A)}
        assert listed == {"admin-a": "editor", "editor-a": "admin"}
