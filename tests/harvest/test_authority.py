"""Issue 10 item 4: a harvest source writes only where its owner may write.

An admin of soumu (also an editor of Sapporo, 011002) adds a `catalog` source, whose
remote_organizations is on by default, against another catalogue holding datasets of
Sapporo, Shinjuku (131016) and soumu. Shinjuku's are outside what the admin may write to.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from app.main import create_app
from tests.conftest import Accounts, Backend
from tests.harvest.helpers import dataset, report, run, stats
from tests.harvest.servers import AppServer
from tests.harvest.test_catalog_sync import origin  # noqa: F401 (fixture)

OWNERS = {"sapporo-aed": "011002", "shinjuku-wifi": "131016", "soumu-stats": "soumu"}


def _seed(origin: Backend) -> None:  # noqa: F811
    with session_scope(origin.sessions) as session:
        for name, org in OWNERS.items():
            datasets.create_dataset(
                session, SYSTEM, DatasetCreate(name=name, title=name, owner_org=org)
            )


@pytest.mark.parametrize("outside", ["fallback", "refuse"])
def test_remote_organisations_outside_the_owner_s_reach(
    client: TestClient,
    backend: Backend,
    origin: Backend,  # noqa: F811
    users: Accounts,
    outside: str,
) -> None:
    _seed(origin)
    admin = users.make("soumu-admin", org="soumu", role="admin")
    with session_scope(backend.sessions) as session:
        accounts.set_member(session, SYSTEM, "011002", "soumu-admin", "editor")
    settings = origin.settings().model_copy(update={"base_uri": "http://origin.test"})
    with AppServer(create_app(settings)) as server:
        body = {
            "name": "origin",
            "type": "catalog",
            "url": server.url,
            "organization": "soumu",
            "config": {"retries": 0, "outside_organizations": outside},
        }
        made = client.post("/api/v1/harvest/sources", json=body, headers=admin.headers)
        assert made.status_code == 201, made.text
        job = run(backend, "origin")

    assert dataset(backend, "sapporo-aed").organization.name == "011002"
    assert dataset(backend, "soumu-stats").organization.name == "soumu"
    records = {
        r.dataset_name or r.remote_url.rsplit("/", 1)[1]: r for r in report(backend, job.id).records
    }
    shinjuku = records["shinjuku-wifi"]
    assert "131016" in shinjuku.message and "may write to" in shinjuku.message
    if outside == "fallback":
        assert stats(job) == {"added": 3}
        assert dataset(backend, "shinjuku-wifi").organization.name == "soumu"
        assert "put in soumu" in shinjuku.message
    else:
        assert stats(job) == {"added": 2, "errored": 1}
        assert shinjuku.status == "errored" and "refused" in shinjuku.message


def test_system_made_source_keeps_remote_organisations(
    backend: Backend,
    origin: Backend,  # noqa: F811
) -> None:
    """A source the operator added (`catalog harvest source add`) is not limited."""
    from tests.harvest.helpers import add_source

    _seed(origin)
    settings = origin.settings().model_copy(update={"base_uri": "http://origin.test"})
    with AppServer(create_app(settings)) as server:
        add_source(backend, "origin", server.url, kind="catalog", org="soumu")
        job = run(backend, "origin")
    assert stats(job) == {"added": 3}
    for name, org in OWNERS.items():
        assert dataset(backend, name).organization.name == org
