"""Sign-in, sign-out, CSRF and the session cookie over HTTP (TestClient), on both databases.

These are the foundation's rules as a client sees them: cookie attributes, id rotation,
the same answer for unknown users, the login rate limit, the open-redirect guard, the CSRF
refusal, sign-out ending the session, and the cookie never authenticating the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import Accounts, Backend
from tests.web import corpus

PASSWORD = "correct horse"  # tests.conftest.Accounts' password
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def web(backend: Backend) -> Iterator[TestClient]:
    with TestClient(create_app(backend.settings()), follow_redirects=False) as test_client:
        yield test_client


def _csrf(client: TestClient, path: str = "/user/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_RE.search(page.text)
    assert found is not None, "the page has no csrf_token field"
    return found.group(1)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD, **extra: str) -> object:
    token = _csrf(client)
    form = {"name": name, "password": password, "csrf_token": token, **extra}
    return client.post("/user/login", data=form)


def test_sign_in_sets_a_new_httponly_lax_session_cookie(web: TestClient, users: Accounts) -> None:
    users.make("hanako", org="011002", role="editor")
    login = web.get("/user/login")
    assert login.headers["cache-control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in login.text
    pre = web.cookies.get("catalog_presession")
    assert pre, "the sign-in form gives the browser a pre-session id for its CSRF token"
    token = CSRF_RE.search(login.text)
    assert token is not None
    answer = web.post(
        "/user/login", data={"name": "hanako", "password": PASSWORD, "csrf_token": token[1]}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard"
    set_cookies = answer.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("catalog_session="))
    attributes = session_cookie.lower()
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # plain http here
    raw = web.cookies.get("catalog_session")
    assert raw and raw != pre  # rotated: the pre-session id is not promoted
    assert any(
        c.startswith("catalog_presession=") and "max-age=0" in c.lower() for c in set_cookies
    )
    dashboard = web.get("/dashboard")
    assert dashboard.status_code == 200
    assert "hanako" in dashboard.text and "札幌市" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"


def test_cookie_is_secure_over_https(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    app = create_app(backend.settings())
    with TestClient(app, base_url="https://catalog.test", follow_redirects=False) as client:
        answer = _sign_in(client, "hanako")
        cookie = next(
            c
            for c in answer.headers.get_list("set-cookie")  # type: ignore[attr-defined]
            if c.startswith("catalog_session=")
        )
        assert "secure" in cookie.lower()


def test_wrong_password_and_unknown_user_get_the_same_answer(
    web: TestClient, users: Accounts
) -> None:
    users.make("hanako")
    wrong = _sign_in(web, "hanako", "not the password")
    unknown = _sign_in(web, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    message = "ユーザー名またはパスワードが正しくありません。"
    assert message in wrong.text and message in unknown.text  # type: ignore[attr-defined]
    assert "catalog_session" not in web.cookies
    # the typed name is kept, the password is not
    assert 'value="hanako"' in wrong.text  # type: ignore[attr-defined]
    assert "not the password" not in wrong.text  # type: ignore[attr-defined]


def test_empty_fields_are_named_in_the_error_summary(web: TestClient) -> None:
    answer = _sign_in(web, "", "")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert 'href="#name"' in text and 'href="#password"' in text
    assert 'aria-invalid="true"' in text and 'aria-describedby="name-error"' in text


def test_login_rate_limit_per_user_name(web: TestClient, users: Accounts) -> None:
    users.make("hanako")
    for _ in range(10):  # rate_limit_login = 10/minute
        assert _sign_in(web, "hanako", "wrong").status_code == 401  # type: ignore[attr-defined]
    refused = _sign_in(web, "hanako", PASSWORD)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert refused.headers["retry-after"]  # type: ignore[attr-defined]
    assert "ログインの試行が多すぎます" in refused.text  # type: ignore[attr-defined]
    assert "catalog_session" not in web.cookies


@pytest.mark.parametrize(
    ("came_from", "lands_on"),
    [
        ("/dataset?q=保育", "/dataset?q=%E4%BF%9D%E8%82%B2"),
        ("//evil.example/x", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ],
)
def test_came_from_accepts_only_local_paths(
    web: TestClient, users: Accounts, came_from: str, lands_on: str
) -> None:
    users.make("hanako")
    answer = _sign_in(web, "hanako", came_from=came_from)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == lands_on  # type: ignore[attr-defined]


def test_staff_page_sends_anonymous_callers_to_sign_in_and_back(
    web: TestClient, users: Accounts
) -> None:
    users.make("hanako")
    answer = web.get("/dashboard?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/user/login?came_from=%2Fdashboard%3Fx%3D1"
    form = web.get(answer.headers["location"])
    assert 'name="came_from" value="/dashboard?x=1"' in form.text
    back = _sign_in(web, "hanako", came_from="/dashboard?x=1")
    assert back.headers["location"] == "/dashboard?x=1"  # type: ignore[attr-defined]


def test_post_without_csrf_token_is_refused(web: TestClient, users: Accounts) -> None:
    users.make("hanako")
    _sign_in(web, "hanako")
    assert web.get("/dashboard").status_code == 200
    refused = web.post("/user/logout", headers={"accept": "text/html"})
    assert refused.status_code == 403
    assert "フォームの有効期限が切れました" in refused.text
    wrong = web.post("/user/logout", data={"csrf_token": "0" * 64})
    assert wrong.status_code == 403
    # still signed in: the refused requests did nothing
    assert web.get("/dashboard").status_code == 200
    # the header form works: its token is the session's
    token = _csrf(web, "/dashboard")
    assert web.post("/user/logout", data={"csrf_token": token}).status_code == 303
    # the header token works too
    _sign_in(web, "hanako")
    token = _csrf(web, "/dashboard")
    assert web.post("/user/logout", headers={"X-CSRF-Token": token}).status_code == 303


def test_csrf_token_of_another_session_is_refused(backend: Backend, users: Accounts) -> None:
    users.make("hanako")
    users.make("taro")
    app = create_app(backend.settings())
    with (
        TestClient(app, follow_redirects=False) as mine,
        TestClient(app, follow_redirects=False) as theirs,
    ):
        _sign_in(mine, "hanako")
        _sign_in(theirs, "taro")
        their_token = _csrf(theirs, "/dashboard")
        assert mine.post("/user/logout", data={"csrf_token": their_token}).status_code == 403


def test_sign_out_ends_the_session_for_the_old_cookie(web: TestClient, users: Accounts) -> None:
    users.make("hanako")
    _sign_in(web, "hanako")
    old = web.cookies.get("catalog_session")
    token = _csrf(web, "/dashboard")
    out = web.post("/user/logout", data={"csrf_token": token})
    assert out.status_code == 303
    web.cookies.set("catalog_session", str(old))  # a copy of the cookie kept somewhere
    assert web.get("/dashboard").status_code == 303  # back to the sign-in page


def test_session_cookie_does_not_authenticate_the_api(web: TestClient, users: Accounts) -> None:
    """A browser cookie must never work on /api/...: that would open the API to CSRF."""
    users.make("hanako", org="011002", role="editor")
    _sign_in(web, "hanako")
    assert web.get("/dashboard").status_code == 200
    created = web.post("/api/3/action/package_create", json={"name": "x", "owner_org": "011002"})
    assert created.status_code in (401, 403), created.text
    assert "hanako" not in created.text


def test_public_pages_for_a_signed_in_user_are_never_shared(
    web: TestClient, backend: Backend, users: Accounts
) -> None:
    corpus.load(backend)
    users.make("hanako")
    anonymous = web.get("/dataset/sapporo-hoikujo", headers={"accept": "text/html"})
    assert anonymous.status_code == 200
    _sign_in(web, "hanako")
    page = web.get("/dataset/sapporo-hoikujo", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "hanako" in page.text  # the header shows who is signed in
    assert page.headers["cache-control"] == "private, no-store"
    assert "etag" not in page.headers
    assert "etag" in anonymous.headers  # anonymous pages revalidate with their ETag ...
    again = web.get(
        "/dataset/sapporo-hoikujo",
        headers={"accept": "text/html", "if-none-match": anonymous.headers["etag"]},
    )
    assert again.status_code == 200  # ... but a signed-in user never gets a shared 304


def test_signed_in_staff_see_on_pages_what_the_api_shows_them(
    web: TestClient, backend: Backend, users: Accounts
) -> None:
    """The pages apply the API's visibility rule to the signed-in user; RDF stays token-only."""
    corpus.load(backend)
    users.make("hanako", org="011002", role="editor")  # 札幌市: owns the private dataset
    html = {"accept": "text/html"}
    assert web.get("/dataset/sapporo-himitsu", headers=html).status_code == 404
    assert "ひみつの保育メモ" not in web.get("/dataset?q=保育", headers=html).text
    _sign_in(web, "hanako")
    page = web.get("/dataset/sapporo-himitsu", headers=html)
    assert page.status_code == 200 and "ひみつの保育メモ" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert "ひみつの保育メモ" in web.get("/dataset?q=保育", headers=html).text
    # another organisation's draft stays hidden
    assert web.get("/dataset/chiyoda-draft", headers=html).status_code == 404
    # the RDF twin does not take the cookie
    assert web.get("/dataset/sapporo-himitsu.ttl").status_code == 404
