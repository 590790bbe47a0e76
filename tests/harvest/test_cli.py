"""`catalog harvest ...`: the contract scripts and operators rely on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from tests.conftest import Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.servers import FixtureServer


@pytest.fixture
def catalog(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("CATALOG_DATABASE_URL", backend.url)
    monkeypatch.setenv("CATALOG_HARVEST_ALLOWED_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_add_run_jobs_report(catalog: CliRunner, http_server: FixtureServer) -> None:
    portal = CkanPortal(http_server)
    added = catalog.invoke(
        cli,
        ["harvest", "source", "add", "sapporo", "--type", "ckan", "--url", portal.url,
         "--org", "011002", "--schedule", "@nightly", "--config", '{"rows": 5, "retries": 0}'],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = catalog.invoke(cli, ["harvest", "source", "list"])
    assert "sapporo  ckan" in listed.output and "@nightly  active" in listed.output
    assert '"rows": 5' in catalog.invoke(cli, ["harvest", "source", "show", "sapporo"]).output

    first = catalog.invoke(cli, ["harvest", "run", "sapporo"])
    assert first.exit_code == 0, first.output
    assert "finished (full): added 8, updated 0, unchanged 0, deleted 0, errored 0" in first.output
    second = catalog.invoke(cli, ["harvest", "run", "sapporo"])
    assert second.exit_code == 0 and "unchanged 8" in second.output

    jobs = catalog.invoke(cli, ["harvest", "jobs", "sapporo"])
    lines = jobs.output.strip().splitlines()
    assert len(lines) == 2 and "incremental" in lines[0] and "full" in lines[1]
    job_id = lines[1].split()[0]
    rep = catalog.invoke(cli, ["harvest", "report", job_id, "--status", "added"])
    assert rep.exit_code == 0
    assert "added      7f3c9e1a-0000-4000-8000-000000000000" in rep.output
    assert "sapporo-aed" in rep.output


def test_failed_run_exits_non_zero(catalog: CliRunner, http_server: FixtureServer) -> None:
    portal = CkanPortal(http_server)
    portal.status = 500
    catalog.invoke(
        cli,
        ["harvest", "source", "add", "broken", "--type", "ckan", "--url", portal.url,
         "--org", "011002", "--config", '{"retries": 0}'],
    )  # fmt: skip
    result = catalog.invoke(cli, ["harvest", "run", "broken"])
    assert result.exit_code == 1
    assert "failed" in result.output and "HTTP 500" in result.output


def test_mistakes_are_reported(catalog: CliRunner) -> None:
    bad = catalog.invoke(
        cli,
        ["harvest", "source", "add", "x1", "--type", "ckan", "--url", "https://example.jp",
         "--org", "011002", "--config", '{"rows": 5000}'],
    )  # fmt: skip
    assert bad.exit_code == 1 and "rows" in bad.output
    missing = catalog.invoke(cli, ["harvest", "run", "nowhere"])
    assert missing.exit_code == 1 and "not found" in missing.output
    kind = catalog.invoke(
        cli,
        ["harvest", "source", "add", "x2", "--type", "oai", "--url", "https://example.jp",
         "--org", "011002"],
    )  # fmt: skip
    assert kind.exit_code == 1


def test_update_and_delete(catalog: CliRunner) -> None:
    catalog.invoke(
        cli,
        ["harvest", "source", "add", "pref", "--type", "dcat", "--url", "https://example.jp/c.ttl",
         "--org", "011002"],
    )  # fmt: skip
    assert catalog.invoke(cli, ["harvest", "source", "update", "pref", "--inactive"]).exit_code == 0
    assert "inactive" in catalog.invoke(cli, ["harvest", "source", "list"]).output
    assert catalog.invoke(cli, ["harvest", "source", "delete", "pref"]).exit_code == 0
    assert catalog.invoke(cli, ["harvest", "source", "list"]).output.strip() == ""
