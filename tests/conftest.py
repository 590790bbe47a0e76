"""Test harness: every database test runs on SQLite and on a real PostgreSQL.

Each backend's database is built once per session through the Alembic migrations and the seed
loader (as `catalog init` does); after each test the tables tests write to are emptied, so the
seed (measures, organisations, licences) stays and every test starts from the same state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.accounts.schemas import TokenCreate, UserCreate
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.main import create_app
from app.models import Base
from tests.pg_cluster import Cluster, start_cluster

# Tables `catalog init` fills; every other table is emptied around each test.
SEED_TABLES = frozenset(
    {
        "catalog",
        "category",
        "license",
        "organization",
        "plan_section",
        "priority_field",
        "measure",
        "measure_ministry",
        "measure_priority_field",
    }
)
# Raw SQL run after the table cleanup, for index tables outside the ORM metadata (e.g. FTS5).
EXTRA_CLEANUP_SQL: list[str] = []

BACKENDS = [b for b in os.environ.get("CATALOG_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


@dataclass
class Backend:
    name: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def settings(self) -> Settings:
        # "wait": the memory search index loads in the first search, so what a test asks
        # right after the app starts is answered by the engine it means to test.
        return Settings(database_url=self.url, base_uri="http://catalog.test", search_memory="wait")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def _build(name: str, url: str) -> Backend:
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url, base_uri="http://catalog.test"))
    return Backend(name=name, url=url, engine=engine, sessions=sessions)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_base(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "catalog.db"
        backend = _build("sqlite", f"sqlite:///{path}")
    else:
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        backend = _build("postgresql", cluster.create_database("catalog_test_main"))
    yield backend
    backend.engine.dispose()


def _clean(backend: Backend) -> None:
    with backend.engine.begin() as conn:
        # Children before parents, so foreign keys hold on both databases.
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in SEED_TABLES:
                conn.execute(table.delete())
        for sql in EXTRA_CLEANUP_SQL:
            conn.execute(text(sql))


@pytest.fixture
def backend(backend_base: Backend) -> Iterator[Backend]:
    _clean(backend_base)
    yield backend_base
    _clean(backend_base)


@pytest.fixture
def client(backend: Backend) -> Iterator[TestClient]:
    with TestClient(create_app(backend.settings())) as test_client:
        yield test_client


@dataclass
class Account:
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}


class Accounts:
    """Factory for users with tokens, through the account service (same rules as users hit)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def make(
        self, name: str, *, sysadmin: bool = False, org: str | None = None, role: str = "editor"
    ) -> Account:
        with session_scope(self.backend.sessions) as session:
            accounts.create_user(
                session, SYSTEM, UserCreate(name=name, password="correct horse", sysadmin=sysadmin)
            )
            if org:
                accounts.set_member(session, SYSTEM, org, name, role)
            token = accounts.create_token(session, SYSTEM, TokenCreate(user=name, name="test"))
        return Account(name=name, token=token.token)


@pytest.fixture
def users(backend: Backend) -> Accounts:
    return Accounts(backend)
