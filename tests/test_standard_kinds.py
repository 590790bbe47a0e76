"""自治体標準オープンデータセット kinds follow the official numbering (issue 12): numbers, ids,
official and older names are accepted, dct:conformsTo names the official entry, and migration
0006_ckan rewrites stored values."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from app import migrate
from app.catalog.references import standard_kind
from app.datasets.vocab import STANDARD_KINDS, standard_kind_uri
from app.models import Dataset, Organization
from tests.pg_cluster import Cluster


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        ("07", "public_wireless_lan"),
        ("7", "public_wireless_lan"),
        ("08", "aed"),  # AED in the official list (it was 介護 here before)
        ("09", "care_service"),
        ("16", "school_lunch"),
        ("17", "school_district"),
        ("１４", "fire_hydrant"),
        ("学校給食献立情報", "school_lunch"),
        ("小中学校通学区域", "school_district"),  # our older title
        ("public_wifi", "public_wireless_lan"),  # our older id
        ("AED設置場所一覧", "aed"),  # an older wording
        ("指定避難所一覧", "evacuation_space"),
        ("unicorn", None),
        ("18", None),
    ],
)
def test_kinds_resolve_by_number_id_and_names(ref: str, kind: str | None) -> None:
    assert standard_kind(ref) == kind


def test_official_numbers_in_order() -> None:
    numbers = {k.number: k.title for k in STANDARD_KINDS}
    assert numbers["06"] == "オープンデータ一覧"
    assert numbers["07"] == "公衆無線LANアクセスポイント一覧"
    assert numbers["08"] == "AED設置箇所一覧"
    assert numbers["13"] == "公衆トイレ一覧" and numbers["15"] == "食品等営業許可・届出一覧"
    assert [k.number for k in STANDARD_KINDS][:17] == [f"{n:02d}" for n in range(1, 18)]
    assert standard_kind_uri("aed").endswith("#08-aed")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_at_0005(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kinds.db'}"
    else:
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database("catalog_kinds")
    migrate.upgrade(url, "0005")
    return url


def test_migration_rewrites_stored_kinds(db_at_0005: str) -> None:
    engine = create_engine(db_at_0005)
    old = {"wifi": "public_wifi", "hospital": "medical_institution", "aed": "aed", "none": None}
    # Rows written as statements, not through the unit of work: flush hooks of today's models
    # (the serving-state generation bump) write tables this old revision does not have yet.
    with Session(engine) as session, session.begin():
        org_id = session.scalar(
            insert(Organization)
            .values(name="011002", title="札幌市", kind="municipality", code="011002")
            .returning(Organization.id)
        )
        for name, kind in old.items():
            session.execute(
                insert(Dataset).values(name=name, owner_org=org_id, standard_kind=kind, extras={})
            )
    migrate.upgrade(db_at_0005)
    with Session(engine) as session:
        stored = dict(session.execute(select(Dataset.name, Dataset.standard_kind)).all())
    assert stored == {
        "wifi": "public_wireless_lan",
        "hospital": "hospital",
        "aed": "aed",
        "none": None,
    }
    migrate.downgrade(db_at_0005, "0005")
    with Session(engine) as session:
        assert session.scalar(select(Dataset.standard_kind).where(Dataset.name == "wifi")) == (
            "public_wifi"
        )
    engine.dispose()
