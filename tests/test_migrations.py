"""The Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from app import migrate
from app.models import Base
from tests.pg_cluster import Cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database("catalog_migrations")


def test_upgrade_check_downgrade_upgrade(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    migrate.check(empty_db)  # raises if models and migrations disagree
    engine = create_engine(empty_db)
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    migrate.downgrade(empty_db, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_db)
    migrate.check(empty_db)
    engine.dispose()
