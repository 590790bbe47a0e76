"""One instance of this catalogue harvesting another through its change feed: after each run
the public catalogues are equal, deletions, purges and datasets turned private included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import migrate
from app.accounts.actor import ANONYMOUS, SYSTEM
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate, DatasetPatch, ResourceIn
from app.db import make_engine, make_sessionmaker, session_scope
from app.main import create_app
from app.models import Base
from tests.conftest import SEED_TABLES, Backend
from tests.harvest.helpers import add_source, report, run, stats
from tests.harvest.servers import AppServer

ORGS = ["011002", "131016", "soumu", "271004"]
TAGS = [["AED", "救急"], ["避難", "防災"], ["保育"], ["観光", "Wi-Fi"], ["人口", "統計"]]
CATEGORIES = ["population-households", "land-weather", "social-security-health"]
_built: dict[str, Backend] = {}


def _make(name: str, url: str) -> Backend:
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_seed(session, Settings(database_url=url, base_uri="http://origin.test"))
    return Backend(name=name, url=url, engine=engine, sessions=sessions)


def _empty(origin: Backend) -> None:
    with origin.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in SEED_TABLES:
                conn.execute(table.delete())


@pytest.fixture
def origin(
    backend: Backend, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A second catalogue on its own database (same kind as `backend`)."""
    if backend.name not in _built:
        if backend.name == "sqlite":
            path: Path = tmp_path_factory.mktemp("origin") / "origin.db"
            url = f"sqlite:///{path}"
        else:
            url = request.getfixturevalue("pg_cluster").create_database("catalog_origin")
        _built[backend.name] = _make(backend.name, url)
    other = _built[backend.name]
    _empty(other)
    yield other
    _empty(other)


def _create(origin: Backend, n: int, **extra: Any) -> str:
    data = DatasetCreate(
        name=f"dataset-{n:02d}",
        title=f"オープンデータ {n} 号（令和6年度）",
        notes=f"説明 {n}: 市町村の公開データです。",
        owner_org=ORGS[n % len(ORGS)],
        tags=TAGS[n % len(TAGS)],
        categories=[CATEGORIES[n % len(CATEGORIES)]],
        measures=["02-22"] if n % 3 == 0 else [],
        license_id="cc-by-4.0" if n % 2 else "pdl-1.0",
        frequency="ANNUAL",
        spatial="日本",
        extras={"出典": f"第{n}回調査"},
        resources=[
            ResourceIn(url=f"https://data.example.jp/{n}.csv", name=f"データ{n}", format="CSV"),
            ResourceIn(url=f"https://data.example.jp/{n}.xlsx", name="Excel版", format="XLSX"),
        ],
        **extra,
    )
    with session_scope(origin.sessions) as session:
        return datasets.create_dataset(session, SYSTEM, data).id


def _public(backend: Backend) -> dict[str, dict[str, Any]]:
    """The public catalogue as a user sees it, without local bookkeeping."""
    local = {"metadata_created", "metadata_modified", "revision", "origin", "harvest_source_id",
             "remote_id", "remote_uri", "remote_modified", "content_hash", "local_fields",
             "creator_user_id"}  # fmt: skip
    with session_scope(backend.sessions) as session:
        items = datasets.list_datasets(session, ANONYMOUS, limit=1000).items
    out: dict[str, dict[str, Any]] = {}
    for ds in items:
        record = ds.model_dump(mode="json", exclude=local)
        record["organization"] = ds.organization.name
        for res in record["resources"]:
            res.pop("metadata_modified")
        out[ds.id] = record
    return out


def _patch(origin: Backend, ref: str, **values: Any) -> None:
    with session_scope(origin.sessions) as session:
        datasets.update_dataset(session, SYSTEM, ref, DatasetPatch(**values), mode="patch")


def test_two_catalogues_stay_equal_through_the_change_feed(
    backend: Backend, origin: Backend
) -> None:
    for n in range(20):
        _create(origin, n)
    _create(origin, 90, private=True)
    _create(origin, 91, state="draft")
    settings = origin.settings().model_copy(update={"base_uri": "http://origin.test"})
    with AppServer(create_app(settings)) as server:
        add_source(backend, "origin", server.url, kind="catalog", org="soumu", rows=7)
        first = run(backend, "origin")
        assert first.status == "finished" and first.mode == "feed", first.message
        assert stats(first) == {"added": 20}
        assert _public(backend) == _public(origin)
        assert len(_public(backend)) == 20

        _patch(origin, "dataset-03", title="更新されたタイトル", tags=["更新", "AED"])
        _patch(origin, "dataset-04", private=True)  # turned private: a removal
        _patch(origin, "dataset-90", private=False)  # turned public: an addition
        with session_scope(origin.sessions) as session:
            datasets.delete_dataset(session, SYSTEM, "dataset-05")
            datasets.purge_dataset(session, SYSTEM, "dataset-06")
        _create(origin, 20)
        second = run(backend, "origin")
        assert second.status == "finished", second.message
        assert stats(second) == {"added": 2, "updated": 1, "deleted": 3}
        assert _public(backend) == _public(origin)
        assert {r.dataset_name for r in report(backend, second.id, "deleted").records} == {
            "dataset-04",
            "dataset-05",
            "dataset-06",
        }
        with session_scope(backend.sessions) as session:
            assert datasets.get_dataset(session, SYSTEM, "dataset-06").state == "deleted"

        third = run(backend, "origin")
        assert third.status == "finished" and stats(third) == {}
        assert _public(backend) == _public(origin)
