"""`catalog readmodel rebuild` works in batches, one transaction each: every dataset is
rendered (deleted ones too), rows of vanished datasets are dropped, and progress is shown."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import session_scope
from app.models import DatasetRendering
from app.readmodel import service as readmodel
from tests.conftest import Backend
from tests.dcat.factories import delete as delete_dataset
from tests.dcat.factories import full_input, make, minimal_input


def _rows(backend: Backend) -> dict[str, DatasetRendering]:
    with session_scope(backend.sessions) as session:
        rows = {r.dataset_id: r for r in session.scalars(select(DatasetRendering))}
        session.expunge_all()
    return rows


def test_batched_rebuild_renders_every_dataset(
    client: TestClient, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [make(backend, full_input()), make(backend, minimal_input("second-one"))]
    made += [make(backend, minimal_input(f"more-{i}")) for i in range(3)]
    delete_dataset(backend, made[-1].name)
    before = _rows(backend)
    served = {ds.id: client.get(f"/dataset/{ds.id}.ttl").content for ds in made[:-1]}
    with session_scope(backend.sessions) as session:
        # A dataset without a row, a row without the dump forms, a row of no dataset.
        session.delete(session.get_one(DatasetRendering, made[0].id))
        row = session.get_one(DatasetRendering, made[1].id)
        row.dcat_nt_dump = row.dcat_ttl_dump = row.dcat_jsonld_dump = None
        orphan = DatasetRendering(
            **{c: getattr(before[made[2].id], c) for c in ("name", "owner_org", "private")},
            dataset_id="00000000-0000-4000-8000-000000000000",
            state="active",
            revision=1,
            metadata_modified=before[made[2].id].metadata_modified,
            package_json=b"{}",
            v1_json=b"{}",
            dcat_turtle=b"",
            dcat_context="0" * 64,
        )
        session.add(orphan)

    seen: list[tuple[int, int]] = []
    count = readmodel.rebuild_in_batches(
        backend.sessions, backend.settings(), batch=2, progress=lambda d, t: seen.append((d, t))
    )
    assert count == len(made)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    after = _rows(backend)
    assert set(after) == {ds.id for ds in made}
    for ds in made:
        for column in ("package_json", "v1_json", "dcat_turtle", "dcat_nt_dump", "dcat_ttl_dump"):
            assert getattr(after[ds.id], column) == getattr(before[ds.id], column), column
        assert after[ds.id].dcat_jsonld_dump == before[ds.id].dcat_jsonld_dump
    assert {ds.id: client.get(f"/dataset/{ds.id}.ttl").content for ds in made[:-1]} == served

    # The command: the same, with a count and a rate at the end.
    monkeypatch.setenv("CATALOG_DATABASE_URL", backend.url)
    monkeypatch.setenv("CATALOG_BASE_URI", backend.settings().base_uri)
    get_settings.cache_clear()
    try:
        outcome = CliRunner().invoke(cli, ["readmodel", "rebuild", "--batch", "2"])
    finally:
        get_settings.cache_clear()
    assert outcome.exit_code == 0, outcome.output
    assert f"rendered {len(made)} datasets in" in outcome.output
    assert _rows(backend).keys() == after.keys()
    assert CliRunner().invoke(cli, ["readmodel", "rebuild", "--batch", "0"]).exit_code == 2
