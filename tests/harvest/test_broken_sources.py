"""Broken sources end in a clear job error (or a skipped record); nothing already here is lost."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Backend
from tests.harvest.ckan_portal import CkanPortal, package_id
from tests.harvest.helpers import add_source, dataset, live_names, report, run, stats
from tests.harvest.servers import FixtureServer, Reply, endless


@pytest.fixture
def harvested(backend: Backend, http_server: FixtureServer) -> CkanPortal:
    """A portal already harvested once (8 datasets), with a small page size."""
    portal = CkanPortal(http_server)
    add_source(backend, "sapporo-portal", portal.url, rows=3, timeout=0.5)
    assert stats(run(backend, "sapporo-portal")) == {"added": 8}
    return portal


def _huge(portal: CkanPortal) -> None:
    # 200 MB generated while sent (no Content-Length): the client must stop at its cap.
    portal.server.route(
        "/api/3/action/package_search",
        Reply(body=endless(b'{"success": true, "result": {"results": [' + b" " * 65000, 200 << 20)),
    )


def _redirect(portal: CkanPortal) -> None:
    elsewhere = portal.server.url("/api/3/action/package_search", host="localhost")
    portal.server.route("/api/3/action/package_search", Reply(302, headers={"Location": elsewhere}))


BREAKAGES: dict[str, tuple[Callable[[CkanPortal], None], str]] = {
    "timeout": (lambda p: setattr(p, "delay", 2.0), "timed out fetching"),
    "http-500": (lambda p: setattr(p, "status", 500), "HTTP 500 Internal Server Error from"),
    "invalid-json": (lambda p: setattr(p, "invalid_json", True), "invalid JSON from"),
    "paging-b-b": (lambda p: setattr(p, "ignore_start", True), "paging loop in package_search"),
    "paging-a-b-a": (lambda p: setattr(p, "cycle_pages", True), "paging loop in package_search"),
    "page-of-200-mb": (_huge, "exceeds the cap of 67,108,864 bytes: stopped reading"),
    "redirect-to-another-host": (_redirect, "redirects to another host (localhost)"),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_broken_source_fails_the_job_and_keeps_the_catalogue(
    backend: Backend, harvested: CkanPortal, case: str
) -> None:
    breakage, expected = BREAKAGES[case]
    breakage(harvested)
    job = run(backend, "sapporo-portal", full=True)
    assert job.status == "failed"
    assert expected in job.message
    assert job.stats.deleted == 0
    assert len(live_names(backend)) == 8
    if case == "page-of-200-mb":
        assert harvested.server.bytes_sent < 100 << 20  # never read whole
    if case.startswith("paging"):
        # What was read before the loop was imported (and is unchanged); then it stopped.
        assert job.stats.unchanged >= 3


def test_loopback_source_not_allow_listed_is_refused_before_connecting(
    backend: Backend, http_server: FixtureServer
) -> None:
    portal = CkanPortal(http_server)
    add_source(backend, "sapporo-portal", portal.url)
    job = run(backend, "sapporo-portal", allowed="")
    assert job.status == "failed"
    assert "refused to connect to 127.0.0.1" in job.message
    assert http_server.connections == 0 and http_server.requests == []


def test_a_value_we_cannot_read_is_kept_and_named_not_the_record_refused(
    backend: Backend, harvested: CkanPortal
) -> None:
    harvested.touch(package_id(3), extras=[{"key": "temporal_start", "value": "令和五年"}])
    job = run(backend, "sapporo-portal", full=True)
    assert job.status == "finished"
    assert stats(job) == {"unchanged": 7, "updated": 1}
    record = report(backend, job.id, "updated").records[0]
    assert record.remote_key == package_id(3)
    assert "temporal_start is not an ISO date: kept in remote_temporal_start" in record.message
    assert record.remote_url.endswith("/dataset/sapporo-wifi")
    ds = dataset(backend, "sapporo-wifi")
    assert ds.state == "active" and ds.extras["remote_temporal_start"] == "令和五年"


def test_change_feed_that_does_not_advance_is_a_paging_loop(
    backend: Backend, http_server: FixtureServer
) -> None:
    stuck = b'{"changes": [], "next_cursor": "41", "has_more": true}'
    http_server.route("/api/v1/changes", Reply(body=stuck))
    add_source(backend, "stuck-feed", http_server.url("/"), kind="catalog")
    job = run(backend, "stuck-feed")
    assert job.status == "failed" and "paging loop in the change feed" in job.message
    assert len([r for r in http_server.requests if r.path == "/api/v1/changes"]) == 2
