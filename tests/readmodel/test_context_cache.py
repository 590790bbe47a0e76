"""The DCAT context readers cache per generation is dropped by a rename in any process.

Stored `.ttl` documents are served only when their context digest equals the reader's; the
reader's context is cached per `serving_state.context_generation`, which every write to the
licences, organisations or catalogue record raises in its own transaction.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import session_scope
from app.models import DatasetRendering, License, ServingState
from app.readmodel import service as readmodel
from tests.conftest import Accounts, Backend


def _generation(backend: Backend) -> int:
    with session_scope(backend.sessions) as session:
        return session.scalars(select(ServingState.context_generation)).one()


def test_licence_rename_reaches_the_cached_context(
    client: TestClient, backend: Backend, users: Accounts
) -> None:
    with session_scope(backend.sessions) as session:
        # The migration's row (the test database's cleaning removes it between tests).
        session.merge(ServingState(id=1, context_generation=1))
    admin = users.make("ctx-admin", sysadmin=True)
    reply = client.post(
        "/api/3/action/package_create",
        json={
            "name": "kouen-list",
            "title": "公園一覧",
            "owner_org": "011002",
            "license_id": "cc-by-4.0",
        },
        headers=admin.headers,
    )
    assert reply.status_code == 200, reply.text
    ds_id = reply.json()["result"]["id"]
    before = client.get("/dataset/kouen-list.ttl")
    assert before.status_code == 200
    assert "改名ライセンス" not in before.text
    generation = _generation(backend)

    settings = Settings(database_url=backend.url, base_uri="http://catalog.test")
    try:
        with session_scope(backend.sessions) as session:
            session.get_one(License, "cc-by-4.0").title = "改名ライセンス"
            ids = readmodel.datasets_showing(session, {"license": {"cc-by-4.0"}})
            readmodel.rerender(session, ids, settings)
        assert _generation(backend) > generation
        after = client.get("/dataset/kouen-list.ttl")
        assert after.status_code == 200
        assert "改名ライセンス" in after.text
        with session_scope(backend.sessions) as session:
            stored = session.get_one(DatasetRendering, ds_id).dcat_turtle
        assert after.content == stored  # served from the store, with the renamed title
        # An unrelated write leaves the generation (and the cached context) alone.
        generation = _generation(backend)
        client.post(
            "/api/3/action/package_patch",
            json={"id": ds_id, "title": "公園一覧（更新）"},
            headers=admin.headers,
        )
        assert _generation(backend) == generation
    finally:
        with session_scope(backend.sessions) as session:
            load_seed(session, settings)
