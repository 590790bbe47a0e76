"""`catalog readmodel rebuild` renders datasets written before the read model existed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from typer.testing import CliRunner

from app.accounts.actor import SYSTEM
from app.cli import cli
from app.config import get_settings
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from app.models import DatasetRendering
from tests.conftest import Backend


def test_rebuild_command_renders_datasets_without_rows(
    client: TestClient, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(backend.sessions) as session:
        data = DatasetCreate(name="kanko", title="観光施設一覧", owner_org="011002", tags=["観光"])
        ds_id = datasets.create_dataset(session, SYSTEM, data).id
    served = client.get(f"/dataset/{ds_id}.ttl").content
    with session_scope(backend.sessions) as session:
        session.execute(delete(DatasetRendering))
    monkeypatch.setenv("CATALOG_DATABASE_URL", backend.url)
    monkeypatch.setenv("CATALOG_BASE_URI", backend.settings().base_uri)
    get_settings.cache_clear()
    try:
        outcome = CliRunner().invoke(cli, ["readmodel", "rebuild"])
    finally:
        get_settings.cache_clear()
    assert outcome.exit_code == 0, outcome.output
    assert "rendered 1 datasets" in outcome.output
    with session_scope(backend.sessions) as session:
        row = session.get(DatasetRendering, ds_id)
        assert row is not None and row.dcat_turtle == served
    assert client.get(f"/dataset/{ds_id}.ttl").content == served
