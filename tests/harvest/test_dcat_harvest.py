"""Harvesting a DCAT catalogue (hydra-paged Turtle and JSON-LD) with the DCAT layer's mapping."""

from __future__ import annotations

import pytest

from tests.conftest import Backend
from tests.harvest.dcat_catalog import BASE, DcatCatalog
from tests.harvest.helpers import (
    add_source,
    count_activities,
    dataset,
    live_names,
    report,
    run,
    stats,
)
from tests.harvest.servers import FixtureServer


@pytest.fixture
def catalog(http_server: FixtureServer) -> DcatCatalog:
    return DcatCatalog(http_server)


def _by_title(backend: Backend) -> dict[str, str]:
    from app.accounts.actor import SYSTEM
    from app.datasets import service as datasets
    from app.db import session_scope

    with session_scope(backend.sessions) as session:
        items = datasets.list_datasets(session, SYSTEM, limit=100).items
    return {d.title: d.name for d in items}


@pytest.mark.parametrize("ext", ["ttl", "jsonld"])
def test_paged_catalogue_is_harvested_with_the_dcat_mapping(
    backend: Backend, catalog: DcatCatalog, ext: str
) -> None:
    add_source(backend, "hokkaido", catalog.url(ext), kind="dcat", org="010006")
    job = run(backend, "hokkaido")
    assert job.status == "finished" and job.mode == "full", job.message
    assert stats(job) == {"added": 5}
    pages = [r.query.get("page", "1") for r in catalog.server.requests if "catalog" in r.path]
    assert pages == ["1", "2", "3"]
    names = _by_title(backend)
    aed = dataset(backend, names["AED設置場所一覧"])
    assert aed.remote_uri == f"{BASE}/dataset/aed" and aed.origin == "harvest"
    assert aed.tags == ["AED", "救急"] and aed.frequency == "ANNUAL"
    assert aed.notes == "北海道のAED設置場所一覧です。"
    assert aed.license is not None and aed.license.id == "cc-by-4.0"
    assert aed.resources[0].url == f"{BASE}/files/aed.csv" and aed.resources[0].format == "CSV"
    assert aed.organization.name == "010006"
    if ext == "jsonld":  # the remote @context was fetched by the guarded client
        assert "/context.jsonld" in catalog.server.paths()


def test_rerun_update_and_deletion(backend: Backend, catalog: DcatCatalog) -> None:
    add_source(backend, "hokkaido", catalog.url(), kind="dcat", org="010006", delete_threshold=25)
    run(backend, "hokkaido")
    activities = count_activities(backend)
    assert stats(run(backend, "hokkaido")) == {"unchanged": 5}
    assert count_activities(backend) == activities
    _title, kw, _ = catalog.datasets["hoikusho"]
    catalog.datasets["hoikusho"] = ("保育施設一覧（4月1日現在）", kw, "2024-06-01T10:00:00+09:00")
    del catalog.datasets["kanko"]
    job = run(backend, "hokkaido")
    assert stats(job) == {"updated": 1, "unchanged": 3, "deleted": 1}
    assert "保育施設一覧（4月1日現在）" in _by_title(backend)
    assert len(live_names(backend)) == 4
    deleted = report(backend, job.id, "deleted").records[0]
    assert deleted.remote_key == f"{BASE}/dataset/kanko"


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ({"broken_page": 2}, "invalid RDF (turtle)"),
        ({"loop_to": 1}, "paging loop in the catalogue's hydra paging"),  # A -> B -> C -> A
        ({"loop_to": 3}, "paging loop in the catalogue's hydra paging"),  # C -> C
    ],
)
def test_broken_catalogues_fail_cleanly(
    backend: Backend, catalog: DcatCatalog, breakage: dict[str, int], expected: str
) -> None:
    add_source(backend, "hokkaido", catalog.url(), kind="dcat", org="010006")
    assert stats(run(backend, "hokkaido")) == {"added": 5}
    for key, value in breakage.items():
        setattr(catalog, key, value)
    job = run(backend, "hokkaido")
    assert job.status == "failed" and expected in job.message
    assert job.stats.deleted == 0 and len(live_names(backend)) == 5
