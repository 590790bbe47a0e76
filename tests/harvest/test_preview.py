"""Test connection (`app.harvest.preview`): the first page of a real fake CKAN portal on
127.0.0.1, planned as a run would import it, with nothing written to the database."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.actor import SYSTEM, Actor
from app.db import session_scope
from app.harvest import staff
from app.harvest.preview import Preview, preview
from app.harvest.schemas import SourceConfig
from app.models import Base
from tests.conftest import Accounts, Backend
from tests.harvest.ckan_portal import CkanPortal, package_id
from tests.harvest.dcat_catalog import DcatCatalog
from tests.harvest.helpers import add_source, run, stats
from tests.harvest.servers import FixtureServer


def _counts(backend: Backend) -> dict[str, int]:
    with session_scope(backend.sessions) as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _preview(
    backend: Backend,
    url: str,
    *,
    allowed: str = "127.0.0.1",
    source: str | None = None,
    actor: Actor = SYSTEM,
    **config: object,
) -> Preview:
    settings = backend.settings().model_copy(update={"harvest_allowed_hosts": allowed})
    with session_scope(backend.sessions) as session:
        draft = staff.draft(
            session,
            actor,
            type="ckan",
            url=url,
            organization="011002",
            config=SourceConfig(**config),  # type: ignore[arg-type]
            source_ref=source,
        )
        return preview(session, settings, actor, draft)


def test_first_page_is_planned_and_nothing_is_written(
    backend: Backend, http_server: FixtureServer
) -> None:
    portal = CkanPortal(http_server, count=30)
    before = _counts(backend)
    found = _preview(backend, portal.url, rows=25)
    assert _counts(backend) == before  # no dataset, source, job, record or activity row
    assert found.error is None
    assert found.on_page == 25 and found.total == 30
    assert len(found.rows) == 20  # the first 20 are listed
    assert found.counts == {"new": 25}
    first = found.rows[0]
    assert first.title == "AED設置場所一覧" and first.remote_id == package_id(0)
    assert first.organization == "011002" and first.remote_org.startswith("sapporo")
    # Only the first page was asked for.
    searches = [r for r in http_server.requests if r.path.endswith("package_search")]
    assert len(searches) == 1 and searches[0].query["start"] == "0"


def test_saved_source_shows_update_unchanged_and_refused(
    backend: Backend, http_server: FixtureServer
) -> None:
    portal = CkanPortal(http_server)
    add_source(backend, "sapporo-portal", portal.url)
    assert stats(run(backend, "sapporo-portal")) == {"added": 8}
    portal.touch(package_id(1), title="指定緊急避難場所一覧（改訂）")
    portal.packages[package_id(2)]["id"] = ""  # a package without an id
    portal.packages[package_id(2)]["name"] = ""
    before = _counts(backend)
    found = _preview(backend, portal.url, source="sapporo-portal")
    assert _counts(backend) == before
    outcome = {r.remote_id: r for r in found.rows}
    assert outcome[package_id(0)].outcome == "unchanged"
    assert outcome[package_id(0)].dataset_name == "sapporo-aed"
    assert outcome[package_id(1)].outcome == "update"
    refused = [r for r in found.rows if r.outcome == "refused"]
    assert len(refused) == 1 and "without id or name" in refused[0].message
    assert found.counts == {"unchanged": 6, "update": 1, "refused": 1}


def test_outside_organisation_refused_with_why(
    backend: Backend, http_server: FixtureServer, users: Accounts
) -> None:
    """An admin of 011002 only: a remote record of soumu cannot go there; with `refuse`
    the preview says refused, and why."""
    portal = CkanPortal(http_server, count=2, org="soumu")
    users.make("sapporo-admin", org="011002", role="admin")
    with session_scope(backend.sessions) as session:
        from app.accounts import repository as accounts_repo
        from app.accounts.service import actor_for

        user = accounts_repo.user_by_name_or_id(session, "sapporo-admin")
        assert user is not None
        actor = actor_for(session, user)
    found = _preview(
        backend,
        portal.url,
        actor=actor,
        remote_organizations=True,
        outside_organizations="refuse",
    )
    assert found.counts == {"refused": 2}
    assert "soumu" in found.rows[0].message and "refused" in found.rows[0].message
    fallback = _preview(backend, portal.url, actor=actor, remote_organizations=True)
    assert fallback.counts == {"new": 2}
    assert fallback.rows[0].organization == "011002"
    assert "put in 011002" in fallback.rows[0].message


def test_private_address_refused_unless_allowed(
    backend: Backend, http_server: FixtureServer
) -> None:
    portal = CkanPortal(http_server)
    found = _preview(backend, portal.url, allowed="")
    assert found.error is not None and "refused to connect to 127.0.0.1" in found.error
    assert http_server.connections == 0  # never contacted
    assert found.rows == []


def test_broken_remote_gives_a_message(backend: Backend, http_server: FixtureServer) -> None:
    portal = CkanPortal(http_server)
    portal.status = 500
    found = _preview(backend, portal.url)
    assert found.error is not None and "HTTP 500" in found.error
    portal.status, portal.invalid_json = 200, True
    found = _preview(backend, portal.url)
    assert found.error is not None and "invalid JSON" in found.error
    portal.invalid_json, portal.delay = False, 3.0
    found = _preview(backend, portal.url, timeout=0.5)
    assert found.error is not None and "timed out" in found.error


def test_dcat_first_page_with_hydra_total(backend: Backend, http_server: FixtureServer) -> None:
    catalog = DcatCatalog(http_server, per_page=2)
    settings = backend.settings().model_copy(update={"harvest_allowed_hosts": "127.0.0.1"})
    before = _counts(backend)
    with session_scope(backend.sessions) as session:
        draft = staff.draft(
            session, SYSTEM, type="dcat", url=catalog.url("ttl"), organization="010006",
            config=SourceConfig(),
        )  # fmt: skip
        found = preview(session, settings, SYSTEM, draft)
        assert found.error is None
        assert found.on_page == 2 and found.total == len(catalog.datasets)
        assert found.counts == {"new": 2}
        assert all(r.remote_id.startswith("https://opendata.pref.example.jp/dataset/")
                   for r in found.rows)  # fmt: skip
        catalog.broken_page = 1
        broken = preview(session, settings, SYSTEM, draft)
    assert broken.error is not None and "turtle" in broken.error.lower()
    assert _counts(backend) == before
    assert [r.query.get("page") for r in http_server.requests].count(None) == 2  # page 1 only
