"""API tokens and organisation roles, as users of the API meet them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.models import ApiToken
from app.timeutil import utcnow
from tests.conftest import Accounts, Backend

SAPPORO = "011002"
CHIYODA = "131016"
NEW = {"title": "保育所一覧", "owner_org": SAPPORO}


def test_token_accepted_bare_bearer_and_ckan_header(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    for headers in (
        {"Authorization": editor.token},
        {"Authorization": f"Bearer {editor.token}"},
        {"X-CKAN-API-Key": editor.token},
    ):
        assert client.post("/api/v1/datasets", json=NEW, headers=headers).status_code == 201


def test_missing_bad_revoked_and_expired_tokens(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    editor = users.make("clerk", org=SAPPORO)
    anonymous = client.post("/api/v1/datasets", json=NEW)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/datasets", headers={"Authorization": "nonsense"}).status_code == 401
    tokens = client.get("/api/v1/tokens", headers=editor.headers).json()
    assert len(tokens) == 1 and "token" not in tokens[0]
    client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=editor.headers)
    revoked = client.post("/api/v1/datasets", json=NEW, headers=editor.headers)
    assert revoked.status_code == 401 and "Invalid" in revoked.json()["error"]["message"]
    other = users.make("other", org=SAPPORO)
    with backend.sessions.begin() as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.post("/api/v1/datasets", json=NEW, headers=other.headers)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]


def test_tokens_are_stored_hashed_and_shown_once(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    users.make("clerk", org=SAPPORO)
    created = client.post(
        "/api/v1/tokens", json={"user": "clerk", "password": "correct horse", "name": "script"}
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    with backend.sessions() as session:
        stored = list(session.scalars(select(ApiToken.token_hash)))
    assert raw not in stored and all(len(h) == 64 for h in stored)
    assert client.get("/api/v1/tokens", headers={"Authorization": raw}).status_code == 200
    wrong = client.post("/api/v1/tokens", json={"user": "clerk", "password": "wrong"})
    assert wrong.status_code == 401


def test_roles_member_reads_editor_writes_admin_manages(
    client: TestClient, users: Accounts
) -> None:
    editor = users.make("editor", org=SAPPORO)
    member = users.make("member", org=SAPPORO, role="member")
    admin = users.make("admin", org=SAPPORO, role="admin")
    outsider = users.make("outsider", org=CHIYODA)
    private = client.post(
        "/api/v1/datasets", json={**NEW, "private": True}, headers=editor.headers
    ).json()
    url = f"/api/v1/datasets/{private['id']}"

    assert client.get(url).status_code == 404  # indistinguishable from missing for outsiders
    assert client.get(url, headers=outsider.headers).status_code == 404
    assert client.get(url, headers=member.headers).status_code == 200
    assert client.get("/api/v1/datasets").json()["total"] == 0
    assert client.get("/api/v1/datasets", headers=member.headers).json()["total"] == 1

    assert client.patch(url, json={"version": "2"}, headers=member.headers).status_code == 403
    assert client.patch(url, json={"version": "2"}, headers=editor.headers).status_code == 200
    other_org = client.post("/api/v1/datasets", json=NEW, headers=outsider.headers)
    assert other_org.status_code == 403
    move = client.patch(url, json={"owner_org": CHIYODA}, headers=editor.headers)
    assert move.status_code == 403

    promote = {"user": "member", "role": "editor"}
    assert (
        client.post(
            f"/api/v1/organizations/{SAPPORO}/members", json=promote, headers=editor.headers
        ).status_code
        == 403
    )
    ok = client.post(
        f"/api/v1/organizations/{SAPPORO}/members", json=promote, headers=admin.headers
    )
    assert ok.json() == {"user": "member", "organization": SAPPORO, "role": "editor"}
    assert client.patch(url, json={"version": "3"}, headers=member.headers).status_code == 200


def test_only_sysadmins_create_users(client: TestClient, users: Accounts) -> None:
    editor = users.make("editor", org=SAPPORO)
    root = users.make("root", sysadmin=True)
    body = {"name": "newbie", "password": "long enough"}
    assert client.post("/api/v1/users", json=body, headers=editor.headers).status_code == 403
    assert client.post("/api/v1/users", json=body, headers=root.headers).status_code == 201
    assert client.post("/api/v1/users", json=body, headers=root.headers).status_code == 409
    bad = client.post(
        "/api/v1/users", json={"name": "山田", "password": "long enough"}, headers=root.headers
    )
    assert bad.status_code == 422 and "name" in bad.json()["error"]["fields"]
