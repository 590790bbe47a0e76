"""Job reports are public: a record skipped for an id clash must not name a private dataset."""

from __future__ import annotations

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from tests.conftest import Backend
from tests.harvest.ckan_portal import CkanPortal
from tests.harvest.helpers import add_source, report, run
from tests.harvest.servers import FixtureServer


def test_id_clash_with_a_private_dataset_does_not_name_it(
    backend: Backend, http_server: FixtureServer
) -> None:
    with session_scope(backend.sessions) as session:
        hidden = datasets.create_dataset(
            session,
            SYSTEM,
            DatasetCreate(
                name="hidden-plan-x", title="secret", owner_org="131016", private=True
            ),
        )
        shown = datasets.create_dataset(
            session, SYSTEM, DatasetCreate(name="shown-plan-y", title="open", owner_org="131016")
        )
    portal = CkanPortal(http_server, count=2)
    first, second = list(portal.packages.values())
    first["id"], second["id"] = hidden.id, shown.id  # remote ids that are our datasets' ids
    portal.packages = {p["id"]: p for p in (first, second)}
    add_source(backend, "sapporo-portal", portal.url)
    job = run(backend, "sapporo-portal")
    messages = {r.remote_key: r.message for r in report(backend, job.id).records}
    assert "already exists here" in messages[hidden.id]
    assert "hidden-plan-x" not in messages[hidden.id]
    assert "(shown-plan-y)" in messages[shown.id]
