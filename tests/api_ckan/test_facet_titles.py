"""Facet display titles are cached per serving generation, and a rename shows on the next search.

Each process keeps the titles of organisations, categories, measures and licences under
`serving_state.context_generation` (app.search.titles); every ORM write to those rows raises it
in the writer's transaction. These renames go through the ORM as the seed loader and the
organisation editor do, without re-indexing: only the generation tells readers.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.catalog.seed_loader import load_seed
from app.db import session_scope
from app.models import Category, License, Measure, Organization, ServingState
from tests.api_ckan.conftest import make_dataset
from tests.conftest import Backend

FACETS = '["organization","groups","license_id"]'


def _ckan_titles(client: TestClient) -> dict[str, dict[str, str]]:
    """display_name per facet value, from package_search by GET (the lean route)."""
    reply = client.get("/api/3/action/package_search", params={"q": "保育", "facet.field": FACETS})
    assert reply.status_code == 200, reply.text
    facets = reply.json()["result"]["search_facets"]
    return {
        name: {item["name"]: item["display_name"] for item in facet["items"]}
        for name, facet in facets.items()
    }


def _v1_titles(client: TestClient) -> dict[str, dict[str, Any]]:
    reply = client.get(
        "/api/v1/search",
        params=[
            ("q", "保育"),
            ("facet", "organization"),
            ("facet", "category"),
            ("facet", "measure"),
            ("facet", "license_id"),
        ],
    )
    assert reply.status_code == 200, reply.text
    return {
        name: {v["value"]: v["title"] for v in values}
        for name, values in reply.json()["facets"].items()
    }


def _rename(backend: Backend, model: type[Any], key: str, title: str) -> None:
    with session_scope(backend.sessions) as session:
        if model is Organization:
            session.scalars(
                select(Organization).where(Organization.name == key)
            ).one().title = title
        else:
            session.get_one(model, key).title = title


def test_renames_show_on_the_next_search(client: TestClient, backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        # The migration's row (the tests' cleaning removes it), at a generation no earlier
        # test in this process can have cached titles under.
        session.merge(ServingState(id=1, context_generation=secrets.randbits(40) + 10))
    make_dataset(
        backend,
        name="sapporo-nursery",
        title="札幌市保育所一覧",
        groups=[{"name": "social-security-health"}, {"name": "02-24"}],
        license_id="cc-by-4.0",
    )
    before = _ckan_titles(client)
    assert before["organization"]["011002"] == "北海道札幌市"
    assert before["groups"]["social-security-health"] == "社会保障・衛生"
    assert _ckan_titles(client) == before  # the same generation: the same titles
    try:
        _rename(backend, Organization, "011002", "改名市")
        assert _ckan_titles(client)["organization"]["011002"] == "改名市"
        _rename(backend, Category, "social-security-health", "改名分野")
        assert _ckan_titles(client)["groups"]["social-security-health"] == "改名分野"
        _rename(backend, Measure, "02-24", "改名施策")
        assert _ckan_titles(client)["groups"]["02-24"] == "改名施策"
        _rename(backend, License, "cc-by-4.0", "改名ライセンス")
        after = _ckan_titles(client)
        assert after["license_id"]["cc-by-4.0"] == "改名ライセンス"
        assert after["organization"]["011002"] == "改名市"
        v1 = _v1_titles(client)
        assert v1["organization"]["011002"] == "改名市"
        assert v1["category"]["social-security-health"] == "改名分野"
        assert v1["measure"]["02-24"] == "改名施策"
        assert v1["license_id"]["cc-by-4.0"] == "改名ライセンス"
    finally:
        with session_scope(backend.sessions) as session:
            load_seed(session, backend.settings())
    assert _ckan_titles(client) == before
