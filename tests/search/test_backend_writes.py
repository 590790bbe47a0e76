"""The index follows every write in the writer's transaction, on both databases; the reindex
command rebuilds it; the native search endpoint renders results and facets."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts.actor import ANONYMOUS, SYSTEM, Actor
from app.catalog.seed_loader import load_seed
from app.cli import cli
from app.config import Settings, get_settings
from app.datasets import resources as resource_service
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate, DatasetPatch, ResourceIn, ResourcePatch
from app.db import session_scope
from app.errors import SearchQueryError
from app.models import Organization, SearchDoc
from app.search import repository as search_repo
from app.search.params import FieldFilter, SearchParams, SearchResult
from app.search.service import backend_for, reindex, search_datasets
from tests.conftest import Accounts, Backend
from tests.search.corpus import make_corpus, truth


def find(session: Session, q: str = "", actor: Actor = ANONYMOUS, **kw: object) -> SearchResult:
    return search_datasets(session, actor, SearchParams(q=q, rows=1000, **kw))  # type: ignore[arg-type]


def new(session: Session, name: str, title: str, **kw: object) -> str:
    data = DatasetCreate(name=name, title=title, owner_org="011002", **kw)
    return datasets.create_dataset(session, SYSTEM, data).id


def test_create_update_delete_are_searchable_in_the_same_transaction(backend: Backend) -> None:
    with backend.sessions() as session:
        ds_id = new(session, "hoiku", "保育所一覧", tags=["子育て"])
        assert find(session, "保育").ids == [ds_id]
        datasets.update_dataset(
            session, SYSTEM, ds_id, DatasetPatch(title="避難所一覧"), mode="patch"
        )
        assert find(session, "保育").ids == []
        assert find(session, "避難").ids == [ds_id]
        assert find(session, "子育て").ids == [ds_id]  # patch kept the tags
        datasets.update_dataset(session, SYSTEM, ds_id, DatasetPatch(private=True), mode="patch")
        assert find(session, "避難").ids == []
        assert find(session, "避難", SYSTEM).ids == [ds_id]
        datasets.update_dataset(
            session, SYSTEM, ds_id, DatasetPatch(private=False, state="draft"), mode="patch"
        )
        assert find(session, "避難").ids == []
        assert find(session, "避難", SYSTEM, include_drafts=True).ids == [ds_id]
        datasets.update_dataset(session, SYSTEM, ds_id, DatasetPatch(state="active"), mode="patch")
        assert find(session, "避難").ids == [ds_id]
        datasets.delete_dataset(session, SYSTEM, ds_id)
        assert find(session, "避難", SYSTEM, include_drafts=True).count == 0
        session.rollback()
        # Rolled back: the index is back to where it was (nothing), like the datasets.
        assert find(session, "避難", SYSTEM).count == 0


def test_committed_writes_show_in_new_sessions_and_purge_removes(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        keep = new(session, "keep", "AED設置箇所一覧")
        gone = new(session, "gone", "ＡＥＤ設置場所")
    with session_scope(backend.sessions) as session:
        assert set(find(session, "aed").ids) == {keep, gone}
        datasets.purge_dataset(session, SYSTEM, gone)
    with session_scope(backend.sessions) as session:
        assert find(session, "aed").ids == [keep]
        assert session.scalar(select(func.count()).select_from(SearchDoc)) == 1


def test_resource_writes_update_text_and_facets(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        ds_id = new(session, "res", "水位観測")
        res = resource_service.create_resource(
            session,
            SYSTEM,
            ds_id,
            ResourceIn(url="https://x.jp/a", name="河川データ", format="csv"),
        )
        result = find(session, "河川", facet_fields=["res_format"])
        assert result.ids == [ds_id] and result.facets["res_format"] == [("CSV", 1)]
        resource_service.update_resource(
            session, SYSTEM, res.id, ResourcePatch(name="雨量データ", format="PDF")
        )
        assert find(session, "河川").ids == []
        result = find(session, "雨量", facet_fields=["res_format"])
        assert result.facets["res_format"] == [("PDF", 1)]
        resource_service.delete_resource(session, SYSTEM, res.id)
        assert find(session, "雨量").ids == []
        assert find(session, filters=[FieldFilter("res_format", ("PDF",))]).count == 0


def test_reindex_rebuilds_the_index(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        items = make_corpus(session, n=30, seed=11)
    with session_scope(backend.sessions) as session:
        backend_for(session).clear(session)
        search_repo.delete_all(session)
        assert find(session, "避難").count == 0
    seen: list[tuple[int, int]] = []
    with session_scope(backend.sessions) as session:
        assert reindex(session, lambda done, total: seen.append((done, total)), batch=7) == 30
    assert seen[-1] == (30, 30) and len(seen) == 5
    with session_scope(backend.sessions) as session:
        for q in ("避難", "保育", "川", "ＡＥＤ"):
            result = find(session, q, SYSTEM, facet_fields=["organization"], facet_limit=-1)
            want = truth(items, SYSTEM, q)
            assert set(result.ids) == want.ids(), q
            assert result.facets["organization"] == want.facet("organization")
        # A second rebuild over a populated index (SQLite must delete what it indexed).
        reindex(session)
        assert set(find(session, "避難", SYSTEM).ids) == truth(items, SYSTEM, "避難").ids()


def test_reindex_command(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(backend.sessions) as session:
        ds_id = new(session, "cli", "観光施設一覧")
        search_repo.delete_all(session)
        backend_for(session).clear(session)
    monkeypatch.setenv("CATALOG_DATABASE_URL", backend.url)
    get_settings.cache_clear()
    try:
        outcome = CliRunner().invoke(cli, ["search", "reindex"])
    finally:
        get_settings.cache_clear()
    assert outcome.exit_code == 0, outcome.output
    assert "indexed 1 datasets" in outcome.output
    with session_scope(backend.sessions) as session:
        assert find(session, "観光").ids == [ds_id]


# --------------------------------------------------------------------------- native API


def test_search_endpoint(client: TestClient, backend: Backend, users: Accounts) -> None:
    with session_scope(backend.sessions) as session:
        public = new(session, "pub", "指定避難所一覧", tags=["防災"], categories=["land-weather"])
        secret = new(session, "sec", "避難訓練の記録", private=True, measures=["02-37"])
        new(session, "other", "保育所一覧")
    member = users.make("member", org="011002", role="member")

    body = client.get("/api/v1/search", params={"q": "避難", "facet": ["organization"]}).json()
    assert body["count"] == 1 and [d["id"] for d in body["items"]] == [public]
    assert body["items"][0]["title"] == "指定避難所一覧"
    assert body["facets"]["organization"] == [
        {"value": "011002", "count": 1, "title": "北海道札幌市"}
    ]

    response = client.get(
        "/api/v1/search",
        params={"q": "避難", "facet": ["groups", "tags"], "sort": "name asc"},
        headers=member.headers,
    )
    body = response.json()
    assert [d["id"] for d in body["items"]] == [public, secret]
    groups = {f["value"]: f for f in body["facets"]["groups"]}
    assert groups["02-37"]["count"] == 1 and groups["02-37"]["title"]
    assert groups["land-weather"]["title"] == "国土・気象"

    body = client.get("/api/v1/search", params={"fq": "-tags:防災", "tags": [], "limit": 1}).json()
    assert body["count"] == 1 and body["items"][0]["name"] == "other"
    assert body["next_cursor"] is None

    first = client.get("/api/v1/search", params={"limit": 1, "sort": "name asc"}).json()
    assert first["items"][0]["name"] == "other" and first["next_cursor"]
    second = client.get(
        "/api/v1/search",
        params={"limit": 1, "sort": "name asc", "cursor": first["next_cursor"]},
    ).json()
    assert second["items"][0]["name"] == "pub" and second["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [{"q": '"避難'}, {"sort": "popularity"}, {"facet": "url"}, {"fq": "保育"}, {"cursor": "x"}],
)
def test_search_endpoint_rejects_bad_queries_with_400(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "Search Query Error"


def test_search_leaves_the_session_settings_as_they_were(backend: Backend) -> None:
    if backend.name != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    with backend.sessions() as session:
        before = session.execute(text("SHOW enable_seqscan")).scalar_one()
        find(session, "保育")
        with pytest.raises(SearchQueryError):
            find(session, '"保育')
        with pytest.raises(SearchQueryError):
            find(session, "保育", cursor="garbage")
        assert session.execute(text("SHOW enable_seqscan")).scalar_one() == before


def test_seed_renames_reindex_the_datasets_that_show_them(backend: Backend) -> None:
    """A new seed that renames an organisation re-indexes its datasets (the old name stops
    matching, the new one matches) in the same transaction as the rename."""
    settings = Settings(database_url=backend.url, base_uri="http://catalog.test")
    with session_scope(backend.sessions) as session:
        ds_id = new(session, "renamed", "公園一覧")
    try:
        with session_scope(backend.sessions) as session:
            org = session.scalars(select(Organization).where(Organization.name == "011002")).one()
            seed_title = org.title
            org.title = "旧名称市"  # as an older seed had it
            reindex(session)
        with session_scope(backend.sessions) as session:
            assert find(session, "旧名称").ids == [ds_id]
            stats = load_seed(session, settings)
            assert stats.updated == {"organization": 1} and stats.reindexed == 1
            assert find(session, "旧名称").ids == []
        with session_scope(backend.sessions) as session:
            assert find(session, "旧名称").ids == []
            assert ds_id in find(session, seed_title).ids
    finally:
        with session_scope(backend.sessions) as session:
            load_seed(session, settings)
