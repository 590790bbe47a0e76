"""Issue 10 item 2, harvest side: a remote id that is not a UUID is the remote key, not ours."""

from __future__ import annotations

from uuid import UUID

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from tests.conftest import Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source, dataset, report, run, stats
from tests.harvest.servers import FixtureServer


def test_non_uuid_remote_id_becomes_the_remote_key(
    backend: Backend, http_server: FixtureServer
) -> None:
    with session_scope(backend.sessions) as session:
        local = datasets.create_dataset(
            session, SYSTEM, DatasetCreate(name="local-aed", title="ours", owner_org="131016")
        )
    portal = CkanPortal(http_server, count=2)
    first, second = list(portal.packages.values())
    # One remote id names our local dataset; the other is merely not a UUID.
    first["id"], second["id"] = "local-aed", "SAP 0001"
    portal.packages = {p["id"]: p for p in (first, second)}
    add_source(backend, "sapporo-portal", portal.url)
    job = run(backend, "sapporo-portal")
    assert stats(job) == {"added": 2}, job.message
    for remote_id, name in (("local-aed", "sapporo-aed"), ("SAP 0001", "sapporo-hinanjo")):
        got = dataset(backend, name)
        assert got.remote_id == remote_id
        assert str(UUID(got.id)) == got.id  # an id we assigned
    assert dataset(backend, "local-aed").id == local.id  # lookups still find ours
    messages = {r.remote_key: r.message for r in report(backend, job.id).records}
    assert "not a UUID: kept as the remote key" in messages["local-aed"]
    assert stats(run(backend, "sapporo-portal", full=True)) == {"unchanged": 2}
