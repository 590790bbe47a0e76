"""The account pages over HTTP (TestClient), on both databases: API tokens (shown once, used
against the Action API, revoked), the password change (other sessions end), and the members
page (refused to others, the last-admin rule said in words)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import Accounts, Backend

PASSWORD = "correct horse"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
TOKEN_RE = re.compile(r'id="new-token-value" type="text" readonly value="(jpcat_[^"]+)"')
ORG_A = "011002"
ORG_B = "131016"


@pytest.fixture
def app_under_test(backend: Backend):  # type: ignore[no-untyped-def]
    return create_app(backend.settings())


def _client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, follow_redirects=False)


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_RE.search(page.text)
    assert found is not None
    return found.group(1)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    token = _csrf(client, "/user/login")
    answer = client.post(
        "/user/login", data={"name": name, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def web(app_under_test) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with _client(app_under_test) as client:
        yield client


def test_token_is_shown_once_works_and_can_be_revoked(web: TestClient, users: Accounts) -> None:
    users.make("hanako", org=ORG_A)
    _sign_in(web, "hanako")
    page = "/user/hanako/api-tokens"
    token = _csrf(web, page)
    created = web.post(
        page, data={"token_name": "収集スクリプト", "expires_in_days": "30", "csrf_token": token}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    found = TOKEN_RE.search(created.text)
    assert found is not None, "the new token is on the page that answers"
    raw = found.group(1)
    listing = web.get(page)
    assert "収集スクリプト" in listing.text
    assert raw not in listing.text  # shown once only
    # the token works against the Action API (and the cookie alone would not)
    headers = {"Authorization": raw}
    ok = web.post(
        "/api/3/action/package_create",
        headers=headers,
        json={"name": "token-made", "title": "トークンで作成", "owner_org": ORG_A},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["result"]["name"] == "token-made"
    mine = next(r for r in listing.text.split("<tr>") if "収集スクリプト" in r)
    token_id = re.search(r"/api-tokens/([0-9a-f-]{36})/revoke", mine)
    assert token_id is not None
    revoked = web.post(f"{page}/{token_id.group(1)}/revoke", data={"csrf_token": _csrf(web, page)})
    assert revoked.status_code == 303
    after = web.get(revoked.headers["location"]).text
    assert "トークンを無効にしました" in after
    row = next(r for r in after.split("<tr>") if "収集スクリプト" in r)
    assert "/revoke" not in row and "無効" in row
    refused = web.post(
        "/api/3/action/package_create",
        headers=headers,
        json={"name": "after-revoke", "title": "無効後", "owner_org": ORG_A},
    )
    assert refused.status_code in (401, 403), refused.text


def test_token_form_errors_keep_the_typed_values(web: TestClient, users: Accounts) -> None:
    users.make("hanako")
    _sign_in(web, "hanako")
    page = "/user/hanako/api-tokens"
    answer = web.post(
        page, data={"token_name": "", "expires_in_days": "9999", "csrf_token": _csrf(web, page)}
    )
    assert answer.status_code == 400
    assert 'href="#token_name"' in answer.text and 'href="#expires_in_days"' in answer.text
    assert TOKEN_RE.search(answer.text) is None


def test_someone_elses_tokens_are_refused_but_a_sysadmin_may(
    app_under_test,
    users: Accounts,  # type: ignore[no-untyped-def]
) -> None:
    users.make("hanako")
    users.make("taro")
    users.make("root", sysadmin=True)
    with _client(app_under_test) as taro, _client(app_under_test) as root:
        _sign_in(taro, "taro")
        refused = taro.get("/user/hanako/api-tokens", headers={"accept": "text/html"})
        assert refused.status_code == 403
        forged = taro.post(
            "/user/hanako/api-tokens",
            data={
                "token_name": "x",
                "expires_in_days": "30",
                "csrf_token": _csrf(taro, "/dashboard"),
            },
        )
        assert forged.status_code == 403 and TOKEN_RE.search(forged.text) is None
        _sign_in(root, "root")
        assert root.get("/user/hanako/api-tokens").status_code == 200


def test_password_change_ends_my_other_sessions(
    app_under_test,
    users: Accounts,  # type: ignore[no-untyped-def]
) -> None:
    users.make("hanako")
    with _client(app_under_test) as here, _client(app_under_test) as elsewhere:
        _sign_in(here, "hanako")
        _sign_in(elsewhere, "hanako")
        page = "/user/hanako/password"
        wrong = here.post(
            page,
            data={
                "current_password": "not it",
                "new_password": "a brand new passphrase",
                "confirm_password": "a brand new passphrase",
                "csrf_token": _csrf(here, page),
            },
        )
        assert wrong.status_code == 400
        assert "現在のパスワードが正しくありません" in wrong.text
        short = here.post(
            page,
            data={
                "current_password": PASSWORD,
                "new_password": "short",
                "confirm_password": "short",
                "csrf_token": _csrf(here, page),
            },
        )
        assert "8文字以上" in short.text
        done = here.post(
            page,
            data={
                "current_password": PASSWORD,
                "new_password": "a brand new passphrase",
                "confirm_password": "a brand new passphrase",
                "csrf_token": _csrf(here, page),
            },
        )
        assert done.status_code == 303
        assert here.get("/dashboard").status_code == 200  # this session goes on
        assert elsewhere.get("/dashboard").status_code == 303  # the other one ended
    with _client(app_under_test) as fresh:
        _sign_in(fresh, "hanako", "a brand new passphrase")


def test_members_page_for_admins_only_and_the_last_admin_rule(
    app_under_test,
    users: Accounts,  # type: ignore[no-untyped-def]
) -> None:
    users.make("admin-a", org=ORG_A, role="admin")
    users.make("editor-b", org=ORG_B, role="editor")
    users.make("newcomer")
    page = f"/organization/members/{ORG_A}"
    with _client(app_under_test) as outsider, _client(app_under_test) as admin:
        _sign_in(outsider, "editor-b")
        refused = outsider.get(page, headers={"accept": "text/html"})
        assert refused.status_code == 403
        posted = outsider.post(
            f"{page}/add",
            data={"user": "editor-b", "role": "admin", "csrf_token": _csrf(outsider, "/dashboard")},
        )
        assert posted.status_code == 403
        _sign_in(admin, "admin-a")
        listing = admin.get(page)
        assert listing.status_code == 200 and "editor-b" not in listing.text
        unknown = admin.post(
            f"{page}/add",
            data={"user": "nobody", "role": "editor", "csrf_token": _csrf(admin, page)},
        )
        assert unknown.status_code == 404
        assert "ユーザー「nobody」は見つかりません" in unknown.text
        assert 'value="nobody"' in unknown.text  # kept
        added = admin.post(
            f"{page}/add",
            data={"user": "newcomer", "role": "editor", "csrf_token": _csrf(admin, page)},
        )
        assert added.status_code == 303
        assert "newcomer をメンバーに追加しました" in admin.get(added.headers["location"]).text
        demote = admin.post(
            f"{page}/role",
            data={"user": "admin-a", "role": "editor", "csrf_token": _csrf(admin, page)},
        )
        assert demote.status_code == 409
        assert "最後の管理者" in demote.text and 'href="#role-admin-a"' in demote.text
        removed = admin.post(
            f"{page}/remove", data={"user": "newcomer", "csrf_token": _csrf(admin, page)}
        )
        assert removed.status_code == 303
        assert "newcomer" not in admin.get(page).text.split("メンバーを追加")[0].split("<tbody>")[1]
