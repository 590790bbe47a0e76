"""Harvesting a CKAN portal (a real HTTP server on 127.0.0.1 with Japanese datasets)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Accounts, Backend
from tests.harvest.ckan_portal import CkanPortal, package_id
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
def portal(http_server: FixtureServer) -> CkanPortal:
    return CkanPortal(http_server)


def test_first_harvest_keeps_japanese_names_tags_and_provenance(
    backend: Backend, portal: CkanPortal
) -> None:
    add_source(backend, "sapporo-portal", portal.url, rows=3)
    job = run(backend, "sapporo-portal")
    assert job.status == "finished" and job.mode == "full", job.message
    assert stats(job) == {"added": 8}
    aed = dataset(backend, "sapporo-aed")
    assert aed.title == "AED設置場所一覧"
    assert aed.tags == ["AED", "医療", "救急"]
    assert aed.organization.name == "011002"  # the source's owner organisation
    assert aed.origin == "harvest" and aed.remote_id == package_id(0)
    assert aed.id == package_id(0)  # the remote id is kept when free
    assert aed.license is not None and aed.license.id == "cc-by-4.0"
    assert [c.name for c in aed.categories] == ["population-households"]
    assert aed.standard_kind == "aed" and aed.spatial == "北海道札幌市"
    assert aed.frequency == "IRREG"
    assert aed.resources[0].url == "https://opendata.example.jp/aed.csv"
    assert aed.local_fields == []
    # Paged with rows=3: 3 pages + the empty check is not needed (count reached).
    searches = [r for r in portal.server.requests if r.path.endswith("package_search")]
    assert [r.query["start"] for r in searches] == ["0", "3", "6"]
    assert searches[0].query["sort"] == "id asc"
    rep = report(backend, job.id, "added")
    assert rep.total == 8
    assert {r.remote_url for r in rep.records} >= {f"{portal.url.rstrip('/')}/dataset/sapporo-aed"}


def test_rerun_without_changes_writes_nothing(backend: Backend, portal: CkanPortal) -> None:
    add_source(backend, "sapporo-portal", portal.url)
    run(backend, "sapporo-portal")
    before = dataset(backend, "sapporo-hinanjo")
    activities = count_activities(backend)
    again = run(backend, "sapporo-portal")
    assert again.status == "finished" and again.mode == "incremental"
    assert stats(again) == {"unchanged": 8}
    full = run(backend, "sapporo-portal", full=True)
    assert stats(full) == {"unchanged": 8}
    assert count_activities(backend) == activities  # no history rows: nothing was written
    after = dataset(backend, "sapporo-hinanjo")
    assert after.metadata_modified == before.metadata_modified
    assert after.revision == before.revision


def test_incremental_run_fetches_only_changes(backend: Backend, portal: CkanPortal) -> None:
    add_source(backend, "sapporo-portal", portal.url, incremental_overlap_minutes=0)
    run(backend, "sapporo-portal")
    portal.touch(package_id(2), title="保育施設一覧（令和6年4月）", notes="更新しました。")
    portal.server.requests.clear()
    job = run(backend, "sapporo-portal")
    assert job.mode == "incremental" and stats(job) == {"updated": 1, "unchanged": 1}
    fq = portal.server.requests[0].query["fq"]
    assert fq.startswith("metadata_modified:[2024-05-01T03:11:05.123Z TO *]")
    ds = dataset(backend, "sapporo-hoikusho")
    assert ds.title == "保育施設一覧（令和6年4月）" and ds.notes == "更新しました。"
    assert ds.local_fields == []  # the harvester's own writes are not local edits


def test_remote_deletion_withdraws_on_the_next_incremental_run(
    backend: Backend, portal: CkanPortal, client: TestClient
) -> None:
    add_source(backend, "sapporo-portal", portal.url)
    run(backend, "sapporo-portal")
    portal.remove(package_id(5))
    job = run(backend, "sapporo-portal")
    assert job.mode == "incremental"
    assert stats(job) == {"unchanged": 7, "deleted": 1}
    assert dataset(backend, "sapporo-kanko").state == "deleted"
    assert "sapporo-kanko" not in live_names(backend)
    deleted = report(backend, job.id, "deleted").records
    assert [r.dataset_name for r in deleted] == ["sapporo-kanko"]
    # The change feed tells downstream harvesters.
    changes = client.get("/api/v1/changes", params={"limit": 100}).json()["changes"]
    assert changes[-1]["change"] == "delete" and changes[-1]["name"] == "sapporo-kanko"


def test_incremental_deletion_detection_can_be_switched_off(
    backend: Backend, portal: CkanPortal
) -> None:
    add_source(backend, "sapporo-portal", portal.url, detect_deletions=False)
    run(backend, "sapporo-portal")
    portal.remove(package_id(5))
    assert stats(run(backend, "sapporo-portal")) == {"unchanged": 7}
    assert "sapporo-kanko" in live_names(backend)
    job = run(backend, "sapporo-portal", full=True)
    assert stats(job) == {"unchanged": 7, "deleted": 1}


def test_mass_disappearance_deletes_nothing_and_says_why(
    backend: Backend, portal: CkanPortal
) -> None:
    add_source(backend, "sapporo-portal", portal.url)
    run(backend, "sapporo-portal")
    for n in range(4):
        portal.remove(package_id(n))
    job = run(backend, "sapporo-portal", full=True)
    assert job.status == "finished" and job.warnings
    assert stats(job) == {"unchanged": 4}
    assert "4 of 8 records (50%) vanished" in job.message
    assert "threshold of 20%" in job.message and "nothing was deleted" in job.message
    assert len(live_names(backend)) == 8


def test_remote_record_that_comes_back_is_restored_with_local_additions(
    backend: Backend, portal: CkanPortal, client: TestClient, users: Accounts
) -> None:
    add_source(backend, "sapporo-portal", portal.url)
    run(backend, "sapporo-portal")
    editor = users.make("sapporo-editor", org="011002")
    resp = client.patch(
        "/api/v1/datasets/sapporo-jinko",
        json={"measures": ["02-04"], "notes": "市で補足: 毎年4月更新"},
        headers=editor.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["local_fields"] == ["measures", "notes"]
    gone = portal.remove(package_id(6))
    run(backend, "sapporo-portal", full=True)
    assert dataset(backend, "sapporo-jinko").state == "deleted"
    portal.add(gone)
    portal.touch(package_id(6), title="町丁別人口（令和6年）")
    job = run(backend, "sapporo-portal", full=True)
    assert stats(job) == {"updated": 1, "unchanged": 7}
    message = report(backend, job.id, "updated").records[0].message
    assert "restored" in message and "kept local edits: measures, notes" in message
    ds = dataset(backend, "sapporo-jinko")
    assert ds.state == "active" and ds.title == "町丁別人口（令和6年）"
    assert ds.notes == "市で補足: 毎年4月更新" and [m.name for m in ds.measures] == ["02-04"]


def test_local_edits_survive_the_next_harvest(
    backend: Backend, portal: CkanPortal, client: TestClient, users: Accounts
) -> None:
    add_source(backend, "sapporo-portal", portal.url)
    run(backend, "sapporo-portal")
    editor = users.make("sapporo-editor", org="011002")
    resp = client.patch(
        "/api/v1/datasets/sapporo-aed",
        json={"title": "AED設置場所（市が補正）", "tags": ["AED", "救急", "医療", "市独自"]},
        headers=editor.headers,
    )
    assert resp.status_code == 200, resp.text
    portal.touch(package_id(0), title="AED一覧（更新）", notes="新しい説明")
    job = run(backend, "sapporo-portal")
    assert stats(job) == {"updated": 1, "unchanged": 7}
    ds = dataset(backend, "sapporo-aed")
    assert ds.title == "AED設置場所（市が補正）"  # local
    assert "市独自" in ds.tags  # local
    assert ds.notes == "新しい説明"  # from the source
    assert ds.local_fields == ["tags", "title"]


def test_name_taken_locally_gets_a_free_name(
    backend: Backend, portal: CkanPortal, client: TestClient, users: Accounts
) -> None:
    editor = users.make("sapporo-editor", org="011002")
    resp = client.post(
        "/api/v1/datasets",
        json={"name": "sapporo-aed", "title": "市が直接登録したAED", "owner_org": "011002"},
        headers=editor.headers,
    )
    assert resp.status_code == 201
    add_source(backend, "sapporo-portal", portal.url)
    assert stats(run(backend, "sapporo-portal")) == {"added": 8}
    assert dataset(backend, "sapporo-aed").title == "市が直接登録したAED"
    assert dataset(backend, "sapporo-aed-2").title == "AED設置場所一覧"


def test_same_dataset_from_two_sources_is_flagged_not_duplicated(
    backend: Backend, http_server: FixtureServer
) -> None:
    first = CkanPortal(http_server)
    for pkg in first.packages.values():
        pkg["extras"].append({"key": "identifier", "value": f"urn:sapporo:{pkg['name']}"})
    add_source(backend, "pref-portal", first.url)
    add_source(backend, "city-portal", first.url + "api/3/action")  # the same data again
    assert stats(run(backend, "pref-portal")) == {"added": 8}
    job = run(backend, "city-portal")
    assert stats(job) == {"skipped": 8}
    skipped = report(backend, job.id, "skipped").records
    assert "harvested from source pref-portal" in skipped[0].message
    assert len(live_names(backend)) == 8


def test_organisation_filters(backend: Backend, http_server: FixtureServer) -> None:
    portal = CkanPortal(http_server)
    for n in (1, 3):
        portal.packages[package_id(n)]["organization"] = {"name": "otaru", "title": "小樽市"}
    add_source(backend, "only-otaru", portal.url, organizations=["otaru"])
    assert stats(run(backend, "only-otaru")) == {"added": 2}
    add_source(backend, "not-otaru", portal.url, organizations_exclude=["otaru"])
    job = run(backend, "not-otaru")
    assert stats(job) == {"added": 6}, report(backend, job.id).records


def test_values_we_refuse_are_dropped_not_the_record(backend: Backend, portal: CkanPortal) -> None:
    pkg = portal.packages[package_id(1)]
    pkg["maintainer_email"] = "not-an-email"
    pkg["extras"] = [{"key": "frequency", "value": "気が向いたら"}]
    add_source(backend, "sapporo-portal", portal.url)
    job = run(backend, "sapporo-portal")
    assert stats(job) == {"added": 8}
    record = next(r for r in report(backend, job.id).records if r.dataset_name == "sapporo-hinanjo")
    assert "refused values" in record.message
    assert "frequency" in record.message and "maintainer_email" in record.message
    ds = dataset(backend, "sapporo-hinanjo")
    assert ds.frequency == "" and ds.maintainer_email == "" and ds.title == "指定緊急避難場所一覧"
    # Kept, not lost: the remote values are extras, shown again by package_show.
    assert ds.extras["remote_frequency"] == "気が向いたら"
    assert ds.extras["remote_maintainer_email"] == "not-an-email"
