"""Mirroring DATA.GO.JP / e-Gov: their package dicts come in whole through a `ckan` source and
`catalog import`; what we cannot place is kept and named, never dropped (issue 12)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from app.accounts.actor import SYSTEM
from app.api.ckan.package_dict import package_dict
from app.datasets.ckan_input import COMPUTED_KEYS, RESOURCE_COMPUTED_KEYS, extra_text
from app.datasets.importer import import_package
from app.datasets.schemas import DatasetOut
from app.db import session_scope
from app.main import create_app
from tests.conftest import Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source, dataset, report, run, stats
from tests.harvest.national_records import datagojp, egov
from tests.harvest.servers import AppServer, FixtureServer
from tests.harvest.test_catalog_sync import origin  # noqa: F401 (fixture)

MIRROR = {"remote_organizations": True, "resource_timezone": "Asia/Tokyo"}
# Keys read structurally (checked by name in the tests) or times (checked as instants).
STRUCTURAL = {"id", "organization", "owner_org", "groups", "tags", "resources", "extras", "type"}
TIMES = {"metadata_created", "metadata_modified", "created", "last_modified"}


def _portal(http_server: FixtureServer, *records: dict[str, Any]) -> CkanPortal:
    portal = CkanPortal(http_server, count=0)
    for pkg in records:
        portal.add(pkg)
    return portal


def _harvest(backend: Backend, portal: CkanPortal, **config: Any) -> tuple[Any, list[Any]]:
    add_source(backend, "national", portal.url, org="soumu", **{**MIRROR, **config})
    job = run(backend, "national")
    assert job.status == "finished", job.message
    return job, report(backend, job.id).records


def fidelity_gaps(pkg: dict[str, Any], out: DatasetOut, message: str) -> list[str]:
    """Input values found neither in the dataset (typed fields, extras, its package_show dict
    with e-Gov names) nor in the record's message. CKAN-computed keys are exempt."""
    shown = (
        json.dumps([out.model_dump(mode="json"), package_dict(out)], ensure_ascii=False) + message
    )
    gaps: list[str] = []

    def check(where: str, value: Any) -> None:
        if value in (None, "") or value == []:
            return
        if where.endswith("license_id"):  # a resolved reference: ours is the id, any case
            if str(value).casefold() not in shown.casefold():
                gaps.append(f"{where}={value!r}")
        elif extra_text(value) not in shown and repr(value) not in message:
            gaps.append(f"{where}={value!r}")

    for key, value in pkg.items():
        if key not in COMPUTED_KEYS | STRUCTURAL | TIMES:
            check(key, value)
    for extra in pkg.get("extras") or []:
        check(f"extras.{extra['key']}", extra["value"])
    for n, res in enumerate(pkg.get("resources") or []):
        for key, value in res.items():
            if key not in RESOURCE_COMPUTED_KEYS | TIMES:
                check(f"resources.{n}.{key}", value)
    for tag in pkg.get("tags") or []:
        if tag["name"] not in out.tags:
            gaps.append(f"tag {tag['name']}")
    return gaps


def test_datagojp_record_is_placed_and_kept_whole(
    backend: Backend, http_server: FixtureServer
) -> None:
    pkg = datagojp()
    job, records = _harvest(backend, _portal(http_server, pkg))
    assert stats(job) == {"added": 1}, records[0].message
    ds = dataset(backend, "caa_20181122_0027")
    # org_0900 -> 消費者庁, gr_1300 -> 行財政, through the alias tables.
    assert ds.organization.name == "caa" and ds.organization.title == "消費者庁"
    assert [c.title for c in ds.categories] == ["行財政"]
    # The resource's licence (DATA.GO.JP's resource_license_id "CC-BY") is kept.
    assert ds.resources[0].license_id == "cc-by"
    # The provider's dates: release_date for issued, remote metadata_modified for modified.
    assert ds.issued is not None and ds.issued.isoformat() == "2018-11-22T00:00:00"
    assert ds.modified is not None and ds.modified.isoformat() == "2019-06-10T07:12:44.918022"
    assert ds.metadata_created.year >= 2026  # ours stays ours
    # e-Gov extras fill typed fields.
    assert ds.publisher_name == "消費者庁"
    assert ds.contact_name == "消費者庁 総務課 03-3507-8800"
    assert ds.author == "消費者庁 会計室"
    assert ds.frequency == "ANNUAL"
    assert ds.url == "https://www.caa.go.jp/about_us/budget/"
    assert ds.spatial == "日本"
    assert ds.extras["copyright"] == "消費者庁"
    # Resource times were Japan time (source setting): 16:12:44 JST = 07:12:44 UTC.
    last = ds.resources[0].last_modified
    assert last is not None and last.isoformat() == "2019-06-10T07:12:44"
    assert fidelity_gaps(pkg, ds, records[0].message) == []


def test_egov_record_licence_times_and_json_values(
    backend: Backend, http_server: FixtureServer
) -> None:
    pkg = egov()
    job, records = _harvest(backend, _portal(http_server, pkg))
    assert stats(job) == {"added": 1}, records[0].message
    ds = dataset(backend, "cao_20190522_0002")
    assert ds.organization.name == "cao"
    assert ds.resources[0].license_id == "cc-by"  # "CC-BY", any case
    # 10:54:04 Japan time is 01:54:04 UTC, the same instant as metadata_created.
    assert ds.resources[0].created.isoformat() == "2019-06-10T01:54:04"
    assert ds.issued is not None and ds.issued.isoformat() == "2019-06-10T01:54:04"
    assert ds.extras["machine_readable"] == "false" and ds.extras["rank"] == "3"
    assert ds.contact_url == "https://www.cao.go.jp/others/contact.html"
    assert ds.url == "https://www8.cao.go.jp/chosei/shukujitsu/gaiyou.html"
    assert (str(ds.temporal_start), str(ds.temporal_end)) == ("1955-01-01", "2025-12-31")
    assert ds.resources[0].extras["copyright"] == "内閣府"
    # package_show speaks e-Gov too.
    shown = package_dict(ds)
    assert shown["publisher"] == "内閣府" and shown["frequency_of_update"] == "毎年"
    assert shown["landingPage"] == ds.url and shown["temporal"] == "1955-01-01/2025-12-31"
    assert fidelity_gaps(pkg, ds, records[0].message) == []


def test_values_we_cannot_place_are_kept_and_named(
    backend: Backend, http_server: FixtureServer
) -> None:
    pkg = datagojp()
    pkg["organization"] = {"name": "org_0300", "title": "人事院"}
    pkg["owner_org"] = "ffffffff-0000-4000-8000-000000000300"
    pkg["groups"] = [{"name": "gr_9900", "title": "未知の分類"}]
    pkg["license_id"] = "人事院独自利用規約"
    pkg["resources"][0]["resource_license_id"] = "独自ライセンス"
    pkg["resources"][0]["url"] = "https://example.org/a\tb.csv"
    job, records = _harvest(backend, _portal(http_server, pkg))
    assert stats(job) == {"added": 1}
    message = records[0].message
    ds = dataset(backend, "caa_20181122_0027")
    assert ds.organization.name == "soumu"  # the source's owner, as a fallback
    assert "org_0300" in ds.extras["remote_organization"] and "org_0300" in message
    assert ds.extras["remote_license"] == "人事院独自利用規約" and "人事院独自利用規約" in message
    assert ds.extras["remote_categories"] == "gr_9900" and "gr_9900" in message
    assert ds.resources[0].extras["remote_license"] == "独自ライセンス"
    # The URL with a tab is dropped (we would have to alter it) and reported; the record stays.
    assert ds.resources[0].url == ""
    assert "a tab (U+0009) at character 22" in message
    assert fidelity_gaps(pkg, ds, message) == []


def test_values_our_schema_cannot_read_are_kept_and_named(
    backend: Backend, http_server: FixtureServer
) -> None:
    pkg = egov()
    pkg["release_date"] = "平成31年4月1日"
    pkg["resources"][0]["size"] = "1.2MB"
    pkg["resources"][0]["created"] = "令和元年6月10日"
    job, records = _harvest(backend, _portal(http_server, pkg))
    assert stats(job) == {"added": 1}, records[0].message
    message = records[0].message
    ds = dataset(backend, "cao_20190522_0002")
    assert ds.extras["remote_issued"] == "平成31年4月1日" and "remote_issued" in message
    res = ds.resources[0]
    assert res.size is None and res.extras["remote_size"] == "1.2MB"
    assert res.extras["remote_created"] == "令和元年6月10日"
    assert "'1.2MB'" in message and "remote_created" in message
    assert fidelity_gaps(pkg, ds, message) == []


def test_english_tag_is_not_exported_as_japanese(
    backend: Backend, http_server: FixtureServer, client: Any
) -> None:
    _harvest(backend, _portal(http_server, datagojp()))
    ttl = client.get("/dataset/caa_20181122_0027.ttl").text
    assert '"予算"@ja' in ttl
    assert '"budgets and final_accounts and procurement"@ja' not in ttl
    assert '"budgets and final_accounts and procurement"' in ttl
    # The provider's dates and the resource's licence reach DCAT too.
    assert 'dct:issued "2018-11-22T00:00:00Z"^^xsd:dateTime' in ttl
    assert 'dct:modified "2019-06-10T07:12:44.918022Z"^^xsd:dateTime' in ttl
    # The resource's created (11:41:05 Japan time) as UTC, and its licence.
    assert 'dct:issued "2018-12-10T02:41:05.231543Z"^^xsd:dateTime' in ttl
    assert "dct:license <http://www.opendefinition.org/licenses/cc-by>" in ttl


def test_catalog_import_keeps_a_datagojp_record(backend: Backend) -> None:
    pkg = datagojp()
    pkg["groups"].append({"name": "gr_9900", "title": "未知"})
    with session_scope(backend.sessions) as session:
        outcome, out, notes = import_package(session, SYSTEM, pkg)
    assert outcome == "created" and out.organization.name == "caa"
    assert [c.title for c in out.categories] == ["行財政"]
    assert out.issued is not None and out.issued.isoformat() == "2018-11-22T00:00:00"
    assert out.extras["remote_categories"] == "gr_9900"
    assert any("gr_9900" in n for n in notes)
    assert fidelity_gaps(pkg, out, "; ".join(notes)) == []


def _show(client: Any, name: str) -> dict[str, Any]:
    res = client.get("/api/3/action/package_show", params={"id": name})
    assert res.status_code == 200, res.text
    shown: dict[str, Any] = res.json()["result"]
    # The catalogue's own bookkeeping differs between instances by design.
    for key in ("metadata_created", "metadata_modified", "creator_user_id", "owner_org"):
        shown.pop(key)
    shown["organization"] = shown["organization"]["name"]
    for res_dict in shown["resources"]:
        res_dict.pop("metadata_modified")
    return shown


def test_round_trip_datagojp_record_to_another_instance(
    backend: Backend,
    origin: Backend,  # noqa: F811 (the fixture imported above)
) -> None:
    """DATA.GO.JP-shaped record -> our catalogue -> package_show -> another instance through a
    `catalog` source: package_show there is equal field by field."""
    with session_scope(origin.sessions) as session:
        import_package(session, SYSTEM, datagojp())
    settings = origin.settings().model_copy(update={"base_uri": "http://origin.test"})
    origin_app = create_app(settings)
    with AppServer(origin_app) as server:
        add_source(backend, "origin", server.url, kind="catalog", org="soumu")
        job = run(backend, "origin")
        assert job.status == "finished" and stats(job) == {"added": 1}, job.message
    with TestClient(origin_app) as there, TestClient(create_app(backend.settings())) as here:
        theirs, ours = _show(there, "caa_20181122_0027"), _show(here, "caa_20181122_0027")
    assert theirs["organization"] == "caa" and theirs["issued"].startswith("2018-11-22")
    assert theirs["resources"][0]["license_id"] == "cc-by"
    for key in sorted(theirs.keys() | ours.keys()):
        assert ours.get(key) == theirs.get(key), key


def test_catalog_import_places_an_egov_record_without_organisation(backend: Backend) -> None:
    # e-Gov's package_show (as saved by public projects for cao_20190522_0002) carries no
    # organisation at all: `catalog import --org` must place it, and say so.
    pkg = egov()
    pkg.pop("organization", None)
    pkg.pop("owner_org", None)
    with session_scope(backend.sessions) as session:
        outcome, out, notes = import_package(session, SYSTEM, pkg, fallback_org="cao")
    assert outcome == "created" and out.organization.name == "cao"
    assert any("names no organisation" in n for n in notes)
    assert "remote_organization" not in out.extras  # nothing to keep: the record named none


def test_catalog_import_reads_egov_resource_times_in_japan_time(backend: Backend) -> None:
    # `catalog import --resource-timezone Asia/Tokyo`: e-Gov writes resource times in Japan
    # time without an offset (created 10:54:04 is 01:54:04 UTC).
    pkg = egov()
    pkg["resources"][0]["created"] = "2019-06-10T10:54:04.094557"
    with session_scope(backend.sessions) as session:
        _outcome, out, _notes = import_package(
            session, SYSTEM, pkg, resource_timezone="Asia/Tokyo"
        )
    created = out.resources[0].created
    assert created is not None and created.isoformat().startswith("2019-06-10T01:54:04")
