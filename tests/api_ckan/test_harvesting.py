"""Harvester behaviour: ckanext-harvest's CKAN harvester sequence, stable paging, no lost writes.

The harvester's gather stage (ckanext/harvest/harvesters/ckanharvester.py) is replayed
request for request: `package_search?rows=100&start=N&sort=id+asc[&fq=...]` until a page comes
back empty, refusing two identical pages in a row, importing the result dicts as they are.
"""

from __future__ import annotations

import bisect
import json
import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.schemas import DatasetPatch
from app.db import session_scope
from app.timeutil import utcnow
from tests.api_ckan.conftest import make_dataset, make_many
from tests.conftest import Accounts, Backend


def get_content(url: str) -> str:
    with urlopen(url, timeout=60) as res:  # the harvester's plain GET
        body: bytes = res.read()
        return body.decode("utf-8")


def search_for_datasets(
    base_url: str, fq_terms: list[str] | None = None, between_pages: Any = None
) -> list[dict[str, Any]]:
    """CKANHarvester._search_for_datasets, minus its de-duplication (we assert there is none)."""
    params = {"rows": "100", "start": "0", "sort": "id asc"}
    if fq_terms:
        params["fq"] = " ".join(fq_terms)
    pkg_dicts: list[dict[str, Any]] = []
    previous = None
    while True:
        url = f"{base_url}/api/3/action/package_search?{urlencode(params)}"
        content = get_content(url)
        assert content != previous, "The paging doesn't seem to work"
        previous = content
        page = json.loads(content)["result"]["results"]
        pkg_dicts.extend(page)
        if not page:
            return pkg_dicts
        if between_pages is not None:
            between_pages(page)
        params["start"] = str(int(params["start"]) + int(params["rows"]))


def touch(backend: Backend, ref: str, title: str) -> None:
    with session_scope(backend.sessions) as session:
        dataset_service.update_dataset(
            session, SYSTEM, ref, DatasetPatch(title=title), mode="patch"
        )


def delete(backend: Backend, ref: str) -> None:
    with session_scope(backend.sessions) as session:
        dataset_service.delete_dataset(session, SYSTEM, ref)


def test_full_then_incremental_harvest(live_server: str, backend: Backend) -> None:
    created = make_many(
        backend,
        250,
        resources=[{"url": "https://example.jp/data.csv", "format": "CSV"}],
        tags=[{"name": "統計"}],
    )
    make_dataset(backend, name="private-one", private=True)
    gather_started = utcnow()
    full = search_for_datasets(live_server)
    counts = Counter(p["id"] for p in full)
    assert counts == Counter({d.id: 1 for d in created})
    ids = [p["id"] for p in full]
    assert ids == sorted(ids)
    # Search results are complete package dicts: the harvester imports them as they are.
    sample = full[0]
    assert sample["resources"][0]["url"] == "https://example.jp/data.csv"
    assert sample["organization"]["name"] == "011002" and sample["tags"][0]["name"] == "統計"

    changed = {created[i].id for i in (3, 77, 140, 249)}
    for dataset_id in changed:
        touch(backend, dataset_id, "更新されたデータ")
    new = make_dataset(backend, name="brand-new")
    delete(backend, created[10].id)
    since = f"metadata_modified:[{gather_started.isoformat()}Z TO *]"
    incremental = search_for_datasets(live_server, [since])
    assert sorted(p["id"] for p in incremental) == sorted(changed | {new.id})
    assert {p["title"] for p in incremental} == {"更新されたデータ", new.title}

    # With the organisation filter the harvester sends, in both of its forms.
    make_dataset(backend, name="chiyoda-new", owner_org="131016")
    only = search_for_datasets(live_server, ["organization:131016 OR organization:soumu", since])
    assert [p["name"] for p in only] == ["chiyoda-new"]
    excluded = search_for_datasets(live_server, ["-organization:011002", since])
    assert [p["name"] for p in excluded] == ["chiyoda-new"]
    assert search_for_datasets(live_server, ["metadata_modified:[NOW TO *]"]) == []
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert search_for_datasets(live_server, [f"metadata_modified:[{future}Z TO *]"]) == []


def test_paging_by_start_is_stable_while_the_catalogue_changes(
    live_server: str, backend: Backend
) -> None:
    originals = make_many(backend, 250)
    by_id = sorted(d.id for d in originals)
    deleted: set[str] = set()

    def write_between_pages(page: list[dict[str, Any]]) -> None:
        position = bisect.bisect_right(by_id, page[-1]["id"])
        # New datasets sorting before the position (would shift offsets forward)...
        for _ in range(3):
            make_dataset(
                # a UUID (ids must be) whose first 8 hex digits are 0
                backend,
                id=str(uuid.UUID(int=uuid.uuid4().int >> 32)),
                name=f"new-{uuid.uuid4().hex[:12]}",
            )
        # ...and deletions both behind and ahead of it (would shift offsets back).
        for victim in (by_id[position // 2], by_id[min(position + 20, len(by_id) - 1)]):
            if victim not in deleted:
                delete(backend, victim)
                deleted.add(victim)
        if page[-1]["id"] not in deleted:
            touch(backend, page[-1]["id"], "変更")

    walked = search_for_datasets(live_server, between_pages=write_between_pages)
    counts = Counter(p["id"] for p in walked)
    assert max(counts.values()) == 1, "a dataset came back twice"
    survivors = set(by_id) - deleted
    assert survivors <= set(counts), f"missed {len(survivors - set(counts))} datasets"
    assert deleted, "the walk must have deleted datasets on the way"


def test_concurrent_resource_create_loses_nothing(
    live_server: str, backend: Backend, users: Accounts
) -> None:
    editor = users.make("editor", org="011002", role="editor")
    ds = make_dataset(backend, name="busy")
    errors: list[str] = []

    def add(i: int) -> None:
        body = json.dumps(
            {"package_id": "busy", "url": f"https://example.jp/{i}.csv", "name": f"r{i}"}
        ).encode()
        req = Request(
            f"{live_server}/api/3/action/resource_create",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": editor.token},
        )
        try:
            with urlopen(req, timeout=120) as res:
                if json.loads(res.read())["success"] is not True:
                    errors.append(f"{i}: not a success")
        except Exception as exc:
            errors.append(f"{i}: {exc}")

    threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    pkg = json.loads(get_content(f"{live_server}/api/3/action/package_show?id={ds.id}"))["result"]
    assert sorted(r["name"] for r in pkg["resources"]) == sorted(f"r{i}" for i in range(12))
    assert sorted(r["position"] for r in pkg["resources"]) == list(range(12))
