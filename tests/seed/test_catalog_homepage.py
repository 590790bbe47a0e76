"""The root catalogue's homepage follows CATALOG_BASE_URI (schema.org and foaf:homepage)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from rdflib import FOAF, Graph
from sqlalchemy import select

from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.dcat_export.service import build_context
from app.main import create_app
from app.models import Catalog
from tests.conftest import Backend


def _settings(backend: Backend, base: str) -> Settings:
    return Settings(database_url=backend.url, base_uri=base)


def test_homepage_follows_the_configured_base_uri(backend: Backend) -> None:
    with backend.sessions() as session:
        try:
            moved = _settings(backend, "https://data.example.jp")
            assert build_context(session, moved).root.homepage == "https://data.example.jp/"
            # A catalogue seeded by an earlier version with the default base URI: init fixes it.
            root = session.scalars(select(Catalog).where(Catalog.id == 1)).one()
            root.homepage = "http://127.0.0.1:8000/"
            session.flush()
            load_seed(session, moved)
            session.flush()
            assert build_context(session, moved).root.homepage == "https://data.example.jp/"
            other = _settings(backend, "https://opendata.example.org")
            assert build_context(session, other).root.homepage == "https://opendata.example.org/"
            # A homepage the operator chose elsewhere is kept.
            root.homepage = "https://www.example.go.jp/"
            load_seed(session, other)
            assert build_context(session, other).root.homepage == "https://www.example.go.jp/"
        finally:
            session.rollback()


def test_root_catalogue_foaf_homepage_uses_the_base_uri(backend: Backend) -> None:
    settings = backend.settings().model_copy(update={"base_uri": "https://data.example.jp"})
    with TestClient(create_app(settings)) as client:
        resp = client.get("/catalog.ttl")
    assert resp.status_code == 200
    graph = Graph().parse(data=resp.text, format="turtle")
    homepages = {str(o) for o in graph.objects(None, FOAF.homepage)}
    assert "https://data.example.jp/" in homepages
    assert not any("catalog.test" in h or "127.0.0.1" in h for h in homepages)
