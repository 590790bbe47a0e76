"""The real `ckanapi` (CLI and Python client, from PyPI) against the real server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from tests.conftest import Accounts

CKANAPI = shutil.which("ckanapi")
pytestmark = pytest.mark.skipif(CKANAPI is None, reason="the ckanapi CLI is not installed")

DATASETS: list[dict[str, Any]] = [
    {
        "id": "0b6e4d1c-5a57-4c39-9a0e-000000000001",
        "name": "sapporo-aed",
        "title": "札幌市AED設置箇所一覧",
        "notes": "札幌市内の公共施設に設置されたAEDの一覧です。",
        "owner_org": "011002",
        "license_id": "cc-by-4.0",
        "tags": [{"name": "AED"}, {"name": "防災"}],
        "groups": [{"name": "social-security-health"}, {"name": "02-22"}],
        "extras": [
            {"key": "publisher_name", "value": "札幌市保健福祉局"},
            {"key": "frequency", "value": "ANNUAL"},
            {"key": "standard_kind", "value": "aed"},
            {"key": "担当課", "value": "救急安心課"},
        ],
        "resources": [
            {
                "id": "0b6e4d1c-5a57-4c39-9a0e-0000000000a1",
                "name": "AED設置箇所一覧（CSV）",
                "url": "https://www.city.sapporo.jp/opendata/aed.csv",
                "format": "CSV",
                "description": "文字コードはUTF-8です。",
            }
        ],
    },
    {
        "id": "0b6e4d1c-5a57-4c39-9a0e-000000000002",
        "name": "sapporo-nursery",
        "title": "札幌市保育所一覧",
        "notes": "認可保育所の所在地と定員。",
        "owner_org": "011002",
        "license_id": "cc-by-4.0",
        "tags": [{"name": "保育"}, {"name": "子育て"}],
        "groups": [{"name": "02-24"}],
        "spatial": "北海道札幌市",
        "temporal_start": "2024-04-01",
        "temporal_end": "2025-03-31",
        "resources": [
            {
                "id": "0b6e4d1c-5a57-4c39-9a0e-0000000000a2",
                "name": "保育所一覧",
                "url": "https://www.city.sapporo.jp/opendata/nursery.xlsx",
                "format": "XLSX",
            }
        ],
    },
    {
        "id": "0b6e4d1c-5a57-4c39-9a0e-000000000003",
        "name": "chiyoda-shelter",
        "title": "千代田区指定緊急避難場所一覧",
        "notes": "",
        "owner_org": "131016",
        "license_id": "pdl-1.0",
        "tags": [{"name": "防災"}, {"name": "避難"}],
        "groups": [{"name": "justice-safety-environment"}, {"name": "02-37"}],
        "extras": [{"key": "spatial_code", "value": "131016"}],
        "resources": [],
    },
]

# Keys the server computes or adds; a load/dump round trip compares everything else.
COMPUTED = ("metadata_modified",)


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert CKANAPI is not None
    proc = subprocess.run(
        [CKANAPI, *args], capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def action_json(*args: str) -> Any:
    return json.loads(run("action", *args).stdout)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def without_computed(pkg: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in pkg.items() if k not in COMPUTED}
    out["resources"] = [
        {k: v for k, v in r.items() if k not in COMPUTED} for r in pkg.get("resources", [])
    ]
    return out


def assert_loaded(original: dict[str, Any], dumped: dict[str, Any]) -> None:
    """Everything the input said comes back: same values, in CKAN's richer shapes."""
    for key in ("id", "name", "title", "notes", "license_id"):
        assert dumped[key] == original[key], key
    assert dumped["organization"]["name"] == original["owner_org"]
    assert [t["name"] for t in dumped["tags"]] == sorted(t["name"] for t in original["tags"])
    assert {g["name"] for g in dumped["groups"]} == {g["name"] for g in original["groups"]}
    extras = {e["key"]: e["value"] for e in dumped["extras"]}
    for extra in original.get("extras", []):
        assert extras[extra["key"]] == extra["value"]
        assert dumped.get(extra["key"], extra["value"]) == extra["value"]
    for key in ("spatial", "temporal_start", "temporal_end"):
        if key in original:
            assert dumped[key] == extras[key] == original[key]
    assert len(dumped["resources"]) == len(original["resources"])
    for want, got in zip(original["resources"], dumped["resources"], strict=True):
        for key, value in want.items():
            assert got[key] == value, key


def test_status_show_through_the_cli(live_server: str) -> None:
    status = action_json("status_show", "-r", live_server)
    assert status["ckan_version"].startswith("2.") and status["site_title"]


def test_load_search_dump_round_trip_and_delete(
    live_server: str, users: Accounts, tmp_path: Path
) -> None:
    admin = users.make("loader", sysadmin=True)
    source = tmp_path / "datasets.jsonl"
    source.write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DATASETS), encoding="utf-8"
    )
    loaded = run("load", "datasets", "-I", str(source), "-r", live_server, "-a", admin.token)
    assert loaded.stderr.count(" create None ") == 3, loaded.stderr

    found = action_json("package_search", "q=保育", "fq=organization:011002", "-r", live_server)
    assert found["count"] == 1 and found["results"][0]["name"] == "sapporo-nursery"
    shelters = action_json("package_search", "fq=tags:防災 -organization:011002", "-r", live_server)
    assert [p["name"] for p in shelters["results"]] == ["chiyoda-shelter"]

    first = tmp_path / "dump1.jsonl"
    run("dump", "datasets", "--all", "-r", live_server, "-O", str(first))
    dumped = {d["id"]: d for d in read_jsonl(first)}
    assert set(dumped) == {d["id"] for d in DATASETS}
    for original in DATASETS:
        assert_loaded(original, dumped[original["id"]])

    # Loading the dump back updates each dataset to exactly what it already was.
    reloaded = run("load", "datasets", "-I", str(first), "-r", live_server, "-a", admin.token)
    assert reloaded.stderr.count(" update None ") == 3, reloaded.stderr
    second = tmp_path / "dump2.jsonl"
    run("dump", "datasets", "--all", "-r", live_server, "-O", str(second))
    assert [without_computed(d) for d in read_jsonl(second)] == [
        without_computed(d) for d in read_jsonl(first)
    ]

    deleted = run(
        "action", "package_delete", "id=sapporo-aed", "-r", live_server, "-a", admin.token
    )
    assert json.loads(deleted.stdout) is None
    anonymous = ckanapi.RemoteCKAN(live_server)
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id="sapporo-aed")
    assert "sapporo-aed" not in anonymous.action.package_list()


def test_python_client_turns_errors_into_exceptions(live_server: str, users: Accounts) -> None:
    editor = users.make("editor", org="011002", role="editor")
    client = ckanapi.RemoteCKAN(live_server, apikey=editor.token)
    with pytest.raises(ckanapi.NotFound):
        client.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.ValidationError) as invalid:
        client.action.package_create(name="Not A Valid Name", owner_org="011002")
    assert "name" in invalid.value.error_dict
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(live_server).action.package_create(name="anon", owner_org="011002")
    with pytest.raises(ckanapi.NotAuthorized):
        client.action.package_create(name="elsewhere", owner_org="131016")
    with pytest.raises(ckanapi.SearchQueryError):
        client.action.package_search(fq="tags:(unclosed")
    pkg = client.action.package_create(name="via-python", owner_org="011002", title="題名")
    assert client.action.package_show(id=pkg["id"])["title"] == "題名"
    # GET-only clients (ckanapi -g) reach the read actions too.
    getter = ckanapi.RemoteCKAN(live_server, get_only=True)
    assert getter.action.package_search(q="題名")["count"] == 1
