"""Staff page tests: a live server over a fresh catalogue per test module, its accounts, and
signing in through the real form.

The catalogue (SQLite) holds the web corpus (tests.web.corpus) and two organisations with
staff: org A (札幌市, `ORG_A`) has an admin and an editor, org B (千代田区, `ORG_B`) an editor;
there is also a sysadmin. Every password is `PASSWORD`. The browser fixtures (`browser`,
Debian Chromium with --no-sandbox) come from tests/web/conftest.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.accounts.schemas import UserCreate
from app.config import Settings
from app.db import session_scope
from app.main import create_app
from tests.conftest import Backend, _build
from tests.web import corpus

ORG_A = corpus.SAPPORO
ORG_B = corpus.CHIYODA
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class StaffUser:
    name: str
    password: str = PASSWORD


@dataclass(frozen=True)
class Staff:
    """The accounts of the staff catalogue (names are also the sign-in names)."""

    sysadmin: StaffUser = StaffUser("kanri")
    admin_a: StaffUser = StaffUser("sapporo-admin")
    editor_a: StaffUser = StaffUser("sapporo-editor")
    editor_b: StaffUser = StaffUser("chiyoda-editor")
    org_a: str = ORG_A
    org_b: str = ORG_B


STAFF = Staff()


def create_staff(backend: Backend) -> None:
    """The staff accounts and memberships, through the account service."""
    members = [
        (STAFF.sysadmin, None, ""),
        (STAFF.admin_a, ORG_A, "admin"),
        (STAFF.editor_a, ORG_A, "editor"),
        (STAFF.editor_b, ORG_B, "editor"),
    ]
    with session_scope(backend.sessions) as session:
        for user, org, role in members:
            data = UserCreate(name=user.name, password=user.password, sysadmin=org is None)
            accounts.create_user(session, SYSTEM, data)
            if org is not None:
                accounts.set_member(session, SYSTEM, org, user.name, role)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class StaffSite:
    base: str
    backend: Backend
    settings: Settings


@pytest.fixture(scope="module")
def staff_site_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffSite]:
    """A live server (uvicorn on 127.0.0.1) over a fresh staff catalogue for this module."""
    path: Path = tmp_path_factory.mktemp("staff") / "catalog.db"
    backend = _build("sqlite", f"sqlite:///{path}")
    corpus.load(backend)
    create_staff(backend)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # Sign-ins are many here: the login limit is lifted (tests/web/staff/test_sign_in.py
    # checks the limit itself on its own app).
    settings = Settings(
        database_url=backend.url, base_uri=base, search_memory="wait", rate_limit_login=""
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-staff", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the staff test server did not start")
        time.sleep(0.02)
    try:
        yield StaffSite(base, backend, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        backend.engine.dispose()


@pytest.fixture(scope="module")
def staff_site(staff_site_info: StaffSite) -> str:
    """Base URL of the module's staff server."""
    return staff_site_info.base


@pytest.fixture(scope="session")
def staff() -> Staff:
    """The user names, passwords and organisations of the staff catalogue."""
    return STAFF


@pytest.fixture
def staff_context(browser: Browser, staff_site: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=staff_site, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def staff_page(staff_context: BrowserContext) -> Page:
    """A fresh browser page (own cookies) on the staff server, not signed in."""
    return staff_context.new_page()


def signed_in(page: Page, user: StaffUser, came_from: str | None = None) -> Page:
    """Sign `user` in through the real form (optionally from `came_from`); returns `page`
    on the page the sign-in lands on (the dashboard unless `came_from`)."""
    page.goto("/user/login" + (f"?came_from={came_from}" if came_from else ""))
    page.fill("#name", user.name)
    page.fill("#password", user.password)
    with page.expect_navigation():
        page.click("form.staff-form button[type=submit]")
    if page.url.rstrip("/").endswith("/user/login"):
        raise AssertionError(f"sign-in of {user.name} failed: {page.inner_text('main')}")
    return page


@pytest.fixture
def sign_in() -> Callable[[Page, StaffUser], Page]:
    """`signed_in` as a fixture: `sign_in(page, staff.editor_a)`."""
    return signed_in


_AXE = Axe()
_AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_serious(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 AA)."""
    results = _AXE.run(page, options=_AXE_OPTIONS)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
