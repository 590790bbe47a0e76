"""The `catalog` command as operators run it: a subprocess, from another directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from app.models import Dataset, Measure, Organization
from tests.pg_cluster import Cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database("catalog_cli")


def run(db: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CATALOG_DATABASE_URL": db}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(db: str) -> tuple[int, int, int]:
    engine = create_engine(db)
    with engine.connect() as conn:
        result = (
            conn.scalar(select(func.count()).select_from(Measure)) or 0,
            conn.scalar(select(func.count()).select_from(Organization)) or 0,
            conn.scalar(select(func.count()).select_from(Dataset)) or 0,
        )
    engine.dispose()
    return result


def test_init_is_idempotent(cli_db: str, tmp_path: Path) -> None:
    first = run(cli_db, tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert "180 measure" in first.stderr
    assert counts(cli_db) == (180, 1806, 0)
    second = run(cli_db, tmp_path, "init")
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stderr
    assert counts(cli_db) == (180, 1806, 0)


def test_default_database_is_under_var(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CATALOG_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "init"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "catalog.db").exists()


def test_users_tokens_and_import(cli_db: str, tmp_path: Path) -> None:
    assert run(cli_db, tmp_path, "init").returncode == 0
    added = run(
        cli_db,
        tmp_path,
        "user",
        "add",
        "clerk",
        "--password",
        "secret-pass",
        "--org",
        "011002",
        "--role",
        "editor",
    )
    assert added.returncode == 0, added.stderr
    assert "editor of 011002" in added.stdout
    token = run(cli_db, tmp_path, "token", "create", "clerk")
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("jpcat_")
    missing = run(cli_db, tmp_path, "token", "create", "nobody")
    assert missing.returncode == 1 and "not found" in missing.stderr

    lines = [
        {
            "name": "sapporo-hoiku",
            "title": "保育所一覧",
            "owner_org": "011002",
            "tags": [{"name": "保育"}],
            "extras": [{"key": "standard_kind", "value": "childcare_facility"}],
            "resources": [{"url": "https://example.jp/hoiku.csv", "format": "CSV"}],
        },
        {
            "title": "避難場所一覧",
            "organization": {"name": "011002"},
            "groups": [{"name": "02-37"}],
        },
        {"name": "bad", "title": "x", "owner_org": "no-such-org"},
    ]
    jsonl = tmp_path / "datasets.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n",
        encoding="utf-8",
    )
    imported = run(cli_db, tmp_path, "import", str(jsonl))
    assert imported.returncode == 1  # two bad lines: reported, the good ones kept
    assert "created 2, updated 0, failed 2" in imported.stdout
    assert (
        "line 3" in imported.stderr
        and "owner_org" in imported.stderr
        and "line 4" in imported.stderr
    )
    assert counts(cli_db)[2] == 2
    jsonl.write_text(json.dumps(lines[0], ensure_ascii=False) + "\n", encoding="utf-8")
    again = run(cli_db, tmp_path, "import", str(jsonl))
    assert again.returncode == 0 and "created 0, updated 1, failed 0" in again.stdout
    assert counts(cli_db)[2] == 2


def test_upload_previews_then_saves_an_open_data_list(cli_db: str, tmp_path: Path) -> None:
    from tests.bulk.lists import row, to_csv

    assert run(cli_db, tmp_path, "init").returncode == 0
    good = tmp_path / "list.csv"
    good.write_bytes(to_csv([row(1), row(2)], "cp932"))
    preview = run(cli_db, tmp_path, "upload", str(good), "--org", "011002")
    assert preview.returncode == 0, preview.stderr
    assert "cp932, 2 rows: new 2, update 0, unchanged 0, error 0" in preview.stdout
    assert counts(cli_db)[2] == 0  # a preview saves nothing
    saved = run(cli_db, tmp_path, "upload", str(good), "--org", "011002", "--save")
    assert "saved: 2 created" in saved.stdout
    again = run(cli_db, tmp_path, "upload", str(good), "--org", "011002")
    assert "new 0, update 0, unchanged 2, error 0" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([row(3, データセット_公開日="平成31年5月1日")]))
    refused = run(cli_db, tmp_path, "upload", str(bad), "--org", "011002")
    assert refused.returncode == 1
    assert "row 2, データセット_公開日: error: 平成31年5月1日 は平成の期間" in refused.stdout
