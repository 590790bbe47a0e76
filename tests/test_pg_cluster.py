"""Tests for tests/pg_cluster.py (the throwaway PostgreSQL test cluster)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.pg_cluster import ENV_URL, MIN_MAJOR, Cluster, PostgresNotAvailable, start_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        c = start_cluster()
    except PostgresNotAvailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        yield c
    finally:
        c.stop()


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_version_and_default_database(cluster: Cluster) -> None:
    version = str(_scalar(cluster.url, "select version()"))
    m = re.match(r"PostgreSQL (\d+)", version)
    assert m is not None, version
    assert int(m.group(1)) >= MIN_MAJOR, version
    if not cluster.external:
        assert make_url(cluster.url).database == "catalog_test"
        assert _scalar(cluster.url, "select current_database()") == "catalog_test"
        assert _scalar(cluster.url, "show fsync") == "off"
        assert _scalar(cluster.url, "show random_page_cost") == "1.1"


def test_tcp_url(cluster: Cluster) -> None:
    if cluster.external:
        pytest.skip(f"{ENV_URL} is set")
    assert cluster.port is not None and cluster.port != 5432
    assert _scalar(cluster.tcp_url, "select inet_server_port()") == cluster.port


def test_create_database(cluster: Cluster) -> None:
    url = cluster.create_database("catalog_test_second")
    assert make_url(url).database == "catalog_test_second"
    assert _scalar(url, "select current_database()") == "catalog_test_second"

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("create table t (id integer primary key)"))
        conn.execute(text("insert into t values (1)"))
    engine.dispose()

    # Re-creating gives an empty database again.
    url = cluster.create_database("catalog_test_second")
    assert _scalar(url, "select count(*) from pg_tables where tablename = 't'") == 0

    with pytest.raises(ValueError):
        cluster.create_database('bad"; drop database postgres; --')


def test_stop_is_idempotent_and_closes_socket() -> None:
    if os.environ.get(ENV_URL):
        pytest.skip(f"{ENV_URL} is set")
    try:
        c = start_cluster()
    except PostgresNotAvailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    url = c.url
    assert _scalar(url, "select 1") == 1
    assert c.base_dir is not None and c.base_dir.exists()

    c.stop()
    c.stop()  # second call is a no-op

    assert c.stopped
    assert not c.base_dir.exists()
    with pytest.raises(OperationalError):
        _scalar(url, "select 1")
    with pytest.raises(OperationalError):
        _scalar(c.tcp_url, "select 1")
