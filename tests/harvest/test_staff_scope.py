"""Who sees and manages which harvest source on the staff pages (app.harvest.staff)."""

from __future__ import annotations

import pytest

from app.accounts import repository as accounts_repo
from app.accounts.actor import ANONYMOUS, Actor
from app.accounts.service import actor_for
from app.db import session_scope
from app.errors import Forbidden, NotFound, Unauthorized
from app.harvest import staff
from app.harvest.schemas import SourceConfig
from tests.conftest import Accounts, Backend
from tests.harvest.helpers import add_source


def _actor(backend: Backend, name: str) -> Actor:
    with session_scope(backend.sessions) as session:
        user = accounts_repo.user_by_name_or_id(session, name)
        assert user is not None
        return actor_for(session, user)


@pytest.fixture
def two_sources(backend: Backend, users: Accounts) -> None:
    add_source(backend, "sapporo-portal", "https://opendata.sapporo.example.jp/")
    add_source(backend, "chiyoda-portal", "https://opendata.chiyoda.example.jp/", org="131016")
    users.make("sapporo-admin", org="011002", role="admin")
    users.make("sapporo-editor", org="011002", role="editor")
    users.make("sapporo-member", org="011002", role="member")
    users.make("chiyoda-editor", org="131016", role="editor")
    users.make("root", sysadmin=True)


@pytest.mark.usefixtures("two_sources")
def test_each_sees_the_sources_of_their_organisations(backend: Backend) -> None:
    names_of = ["sapporo-admin", "sapporo-editor", "sapporo-member", "chiyoda-editor", "root"]
    actors = {name: _actor(backend, name) for name in names_of}
    with session_scope(backend.sessions) as session:

        def names(user: str) -> list[str]:
            return [s.name for s in staff.my_sources(session, actors[user])]

        assert names("sapporo-admin") == ["sapporo-portal"]
        assert names("sapporo-editor") == ["sapporo-portal"]
        assert names("sapporo-member") == []
        assert names("chiyoda-editor") == ["chiyoda-portal"]
        assert names("root") == ["chiyoda-portal", "sapporo-portal"]
        with pytest.raises(Unauthorized):
            staff.my_sources(session, ANONYMOUS)


@pytest.mark.usefixtures("two_sources")
def test_another_organisation_s_source_is_refused(backend: Backend) -> None:
    chiyoda = _actor(backend, "chiyoda-editor")
    editor = _actor(backend, "sapporo-editor")
    admin = _actor(backend, "sapporo-admin")
    with session_scope(backend.sessions) as session:
        with pytest.raises(Forbidden):
            staff.source_view(session, chiyoda, "sapporo-portal")
        with pytest.raises(Forbidden):
            staff.source_jobs(session, chiyoda, "sapporo-portal")
        with pytest.raises(Forbidden):
            staff.require_manage(session, chiyoda, "sapporo-portal")
        with pytest.raises(NotFound):
            staff.source_view(session, admin, "no-such-source")
        assert staff.source_view(session, editor, "sapporo-portal")[1] is False
        assert staff.source_view(session, admin, "sapporo-portal")[1] is True
        with pytest.raises(Forbidden):
            staff.require_manage(session, editor, "sapporo-portal")


@pytest.mark.usefixtures("two_sources")
def test_new_sources_only_in_organisations_i_administer(backend: Backend) -> None:
    admin = _actor(backend, "sapporo-admin")
    editor = _actor(backend, "sapporo-editor")
    root = _actor(backend, "root")
    with session_scope(backend.sessions) as session:
        assert [o.name for o in staff.organization_choices(session, admin) or []] == ["011002"]
        assert staff.organization_choices(session, editor) == []
        assert staff.organization_choices(session, root) is None
        kwargs = {"type": "ckan", "url": "https://x.example.jp/", "config": SourceConfig()}
        assert staff.draft(session, admin, organization="011002", **kwargs).organization == "011002"
        with pytest.raises(Forbidden):
            staff.draft(session, admin, organization="131016", **kwargs)
        with pytest.raises(Forbidden):
            staff.draft(session, editor, organization="011002", **kwargs)
        with pytest.raises(Forbidden):  # testing another organisation's saved source
            staff.draft(session, admin, organization="", source_ref="chiyoda-portal", **kwargs)


@pytest.mark.usefixtures("two_sources")
def test_a_job_is_shown_only_under_its_own_source(backend: Backend) -> None:
    from app.harvest import service

    root = _actor(backend, "root")
    admin = _actor(backend, "sapporo-admin")
    with session_scope(backend.sessions) as session:
        job = service.request_job(session, root, "chiyoda-portal")
    with session_scope(backend.sessions) as session:
        assert staff.job_view(session, root, "chiyoda-portal", job.id, None, 1).job.id == job.id
        with pytest.raises(NotFound):
            staff.job_view(session, root, "sapporo-portal", job.id, None, 1)
        with pytest.raises(Forbidden):
            staff.job_view(session, admin, "chiyoda-portal", job.id, None, 1)


@pytest.mark.usefixtures("two_sources")
def test_job_report_is_paged_and_filtered(backend: Backend) -> None:
    from app.harvest import repository as repo
    from app.harvest import service

    root = _actor(backend, "root")
    with session_scope(backend.sessions) as session:
        job = service.request_job(session, root, "sapporo-portal")
        rows = [
            {
                "remote_key": f"r{n:03d}",
                "remote_url": "",
                "dataset_id": None,
                "dataset_name": None,
                "status": "errored" if n % 4 == 0 else "added",
                "message": f"record {n}",
            }
            for n in range(120)
        ]
        repo.add_objects(session, job.id, rows)
    with session_scope(backend.sessions) as session:
        last = staff.job_view(session, root, "sapporo-portal", job.id, None, 3)
        assert last.total == 120 and [r.remote_key for r in last.records][:2] == ["r100", "r101"]
        assert len(last.records) == 20
        errored = staff.job_view(session, root, "sapporo-portal", job.id, "errored", 1)
        assert errored.total == 30 and {r.status for r in errored.records} == {"errored"}
