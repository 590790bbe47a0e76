"""The read model serves what the fresh path would: after every kind of write (dataset create,
replace, patch, resource create/update/delete, organisation/category/measure/licence renames by
the seed loader, harvest import, soft delete, purge), on both databases.

For each surface (package_show, package_search, GET /api/v1/datasets/{ref}, /dataset/{ref}.ttl)
the test reads the response served from the stored row, checks it IS the stored bytes, then
deletes the row so the same request takes the fresh path, and compares the two responses.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from sqlalchemy import delete, select

from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import session_scope
from app.models import Category, DatasetRendering, License, Measure, Organization
from app.readmodel import render
from app.readmodel import service as readmodel
from tests.conftest import Account, Accounts, Backend
from tests.harvest.ckan_portal import CkanPortal, package_id
from tests.harvest.conftest import http_server  # noqa: F401  (fixture)
from tests.harvest.helpers import add_source, run
from tests.harvest.servers import FixtureServer

ACTION = "/api/3/action/"
SURFACE_HEADERS = ("etag", "last-modified", "content-type", "content-location")


def _action(client: TestClient, who: dict[str, str], action: str, **data: Any) -> Any:
    reply = client.post(ACTION + action, json=data, headers=who)
    assert reply.status_code == 200, reply.text
    return reply.json()["result"]


def _surfaces(client: TestClient, admin: Account, ref: str) -> dict[str, Any]:
    """Everything a client sees of the dataset on the four surfaces, as admin and anonymous."""
    seen: dict[str, Any] = {}
    for who, headers in (("admin", admin.headers), ("anonymous", {})):
        show = client.get(ACTION + "package_show", params={"id": ref}, headers=headers)
        seen[f"show/{who}"] = (show.status_code, show.json())
        v1 = client.get(f"/api/v1/datasets/{ref}", headers=headers)
        seen[f"v1/{who}"] = (
            v1.status_code,
            v1.json(),
            {k: v1.headers.get(k) for k in SURFACE_HEADERS if k != "content-location"},
        )
        ttl = client.get(f"/dataset/{ref}.ttl", headers=headers)
        seen[f"ttl/{who}"] = (
            ttl.status_code,
            ttl.content,
            {k: ttl.headers.get(k) for k in SURFACE_HEADERS},
        )
        search = client.get(
            ACTION + "package_search",
            params={"fq": f"name:{ref}", "include_private": "true", "include_drafts": "true"},
            headers=headers,
        )
        seen[f"search/{who}"] = search.json()["result"]["results"]
    etag = seen["v1/admin"][2]["etag"]
    if etag:
        again = client.get(
            f"/api/v1/datasets/{ref}", headers={**admin.headers, "If-None-Match": etag}
        )
        seen["v1/304"] = (again.status_code, again.headers.get("etag"))
    etag = seen["ttl/admin"][2]["etag"]
    if etag:
        again = client.get(f"/dataset/{ref}.ttl", headers={**admin.headers, "If-None-Match": etag})
        seen["ttl/304"] = (again.status_code, again.headers.get("etag"))
    return seen


def check(client: TestClient, backend: Backend, admin: Account, dataset_id: str) -> dict[str, Any]:
    """Stored responses are the stored bytes and equal the fresh path's responses."""
    with session_scope(backend.sessions) as session:
        row = session.get(DatasetRendering, dataset_id)
        assert row is not None, "no stored rendering after the write"
        name, state = row.name, row.state
        stored_package, stored_v1, stored_ttl = row.package_json, row.v1_json, row.dcat_turtle
        stored_nt = row.dcat_nt_dump
        stored_forms = (row.dcat_ttl_dump, row.dcat_jsonld_dump)
    # The dump's N-Triples hold the same triples as the stored Turtle document.
    assert stored_nt is not None
    form = render.dump_form(stored_nt)
    nt = Graph().parse(data=form.own() + form.shared, format="nt")
    ttl = Graph().parse(data=stored_ttl)
    # ...and the root catalogue's dcat:dataset link to it, which the dump holds.
    (link,) = set(nt) - set(ttl)
    assert link[1] == URIRef("http://www.w3.org/ns/dcat#dataset")
    assert str(link[2]).endswith("/dataset/" + dataset_id)
    nt.remove(link)
    assert isomorphic(nt, ttl)
    # So do the Turtle and JSON-LD dumps' forms (whose prefixes / @context the dump writes).
    for parsed in _dump_form_graphs(stored_ttl, *stored_forms):
        assert set(parsed) - set(ttl) == {link}
        parsed.remove(link)
        assert isomorphic(parsed, ttl)
    served = _surfaces(client, admin, name)
    # Served from the store: the very bytes kept for this revision.
    assert served["show/admin"][1]["result"] == orjson.loads(stored_package)
    assert served["v1/admin"][1] == orjson.loads(stored_v1)
    if state == "deleted":
        assert served["ttl/admin"][0] == 404
        assert served["search/admin"] == []
    else:
        assert served["ttl/admin"][1] == stored_ttl
        assert served["search/admin"] == [orjson.loads(stored_package)]
    with session_scope(backend.sessions) as session:
        session.execute(delete(DatasetRendering).where(DatasetRendering.dataset_id == dataset_id))
    fresh = _surfaces(client, admin, name)
    assert fresh == served
    # By id as well as by name, both paths.
    assert _surfaces(client, admin, dataset_id) == _surfaces(client, admin, dataset_id)
    with session_scope(backend.sessions) as session:
        readmodel.store_current(session, dataset_id)
        again = session.get(DatasetRendering, dataset_id)
        # Rendered afresh from the database: the same dump bytes as the writer stored.
        assert again is not None and again.dcat_nt_dump == stored_nt
        assert (again.dcat_ttl_dump, again.dcat_jsonld_dump) == stored_forms
    assert _surfaces(client, admin, name) == served
    return served


def _dump_form_graphs(
    turtle: bytes, ttl_form: bytes | None, jsonld_form: bytes | None
) -> list[Graph]:
    """The stored Turtle and JSON-LD dump forms, each parsed as a file of its own (own part and
    shared part, with the document's prefixes as header / @context)."""
    assert ttl_form is not None and jsonld_form is not None
    prefix_block = turtle.split(b"\n\n", 1)[0] + b"\n\n"
    context = {
        line.split()[1].decode().rstrip(":"): line.split()[2].decode().strip("<>")
        for line in prefix_block.splitlines()
        if line.startswith(b"@prefix")
    }
    ttl_parts, jsonld_parts = render.dump_form(ttl_form), render.dump_form(jsonld_form)
    ttl_graph = Graph().parse(
        data=prefix_block + ttl_parts.own() + ttl_parts.shared, format="turtle"
    )
    nodes = [jsonld_parts.own().removeprefix(b",\n"), *jsonld_parts.shared.splitlines()]
    document = (
        b'{"@context": ' + orjson.dumps(context) + b', "@graph": [' + b",".join(nodes) + b"]}"
    )
    return [ttl_graph, Graph().parse(data=document, format="json-ld")]


@pytest.fixture
def portal(http_server: FixtureServer) -> CkanPortal:  # noqa: F811
    return CkanPortal(http_server)


def test_stored_renderings_equal_fresh_after_every_kind_of_write(
    client: TestClient, backend: Backend, users: Accounts, portal: CkanPortal
) -> None:
    admin = users.make("rm-admin", sysadmin=True)
    created = _action(
        client,
        admin.headers,
        "package_create",
        name="hinanjo-list",
        title="避難所一覧",
        owner_org="011002",
        license_id="cc-by-4.0",
        # Not in sorted order: the stored dict must be the one a fresh read gives.
        tags=[{"name": "防災"}, {"name": "避難"}],
        groups=[{"name": "land-weather"}, {"name": "01-01"}],
        extras=[{"key": "独自項目", "value": "値"}],
        resources=[{"url": "https://example.jp/hinanjo.csv", "format": "CSV", "name": "一覧"}],
    )
    ds_id = created["id"]
    seen = check(client, backend, admin, ds_id)
    assert [t["name"] for t in seen["show/anonymous"][1]["result"]["tags"]] == sorted(
        ["防災", "避難"]
    )

    # Replace (CKAN package_update), patch (CKAN and native), private/public.
    pkg = seen["show/admin"][1]["result"]
    _action(client, admin.headers, "package_update", **{**pkg, "notes": "更新しました"})
    check(client, backend, admin, ds_id)
    _action(client, admin.headers, "package_patch", id=ds_id, title="指定避難所", private=True)
    seen = check(client, backend, admin, ds_id)
    assert seen["show/anonymous"][0] == 404 and seen["ttl/anonymous"][0] == 404
    reply = client.patch(
        f"/api/v1/datasets/{ds_id}", json={"private": False}, headers=admin.headers
    )
    assert reply.status_code == 200, reply.text
    seen = check(client, backend, admin, ds_id)
    assert seen["show/anonymous"][1]["result"]["title"] == "指定避難所"

    # Resources.
    res = _action(
        client, admin.headers, "resource_create", package_id=ds_id, url="https://example.jp/b.json"
    )
    check(client, backend, admin, ds_id)
    _action(
        client,
        admin.headers,
        "resource_update",
        id=res["id"],
        url="https://example.jp/c.json",
        format="JSON",
    )
    seen = check(client, backend, admin, ds_id)
    assert "https://example.jp/c.json" in seen["ttl/anonymous"][1].decode()
    _action(client, admin.headers, "resource_delete", id=res["id"])
    seen = check(client, backend, admin, ds_id)
    assert seen["show/admin"][1]["result"]["num_resources"] == 1

    # Renames by the seed loader: organisation, category, measure and licence titles.
    settings = Settings(database_url=backend.url, base_uri="http://catalog.test")
    try:
        with session_scope(backend.sessions) as session:
            org = session.scalars(select(Organization).where(Organization.name == "011002")).one()
            org.title = "旧名称市"
            session.scalars(
                select(Category).where(Category.name == "land-weather")
            ).one().title = "旧分類"
            session.get_one(Measure, "01-01").title = "旧施策"
            session.get_one(License, "cc-by-4.0").title = "旧ライセンス"
            readmodel.rebuild(session, settings)  # as stored under the older seed
        with session_scope(backend.sessions) as session:
            assert (
                b"\xe6\x97\xa7\xe5\x90\x8d\xe7\xa7\xb0"
                in session.get_one(DatasetRendering, ds_id).package_json
            )  # 旧名称
            stats = load_seed(session, settings)
            assert stats.updated == {"organization": 1, "category": 1, "measure": 1, "license": 1}
        seen = check(client, backend, admin, ds_id)
        text = orjson.dumps(seen["show/anonymous"][1]).decode()
        assert "旧" not in text and "旧" not in seen["ttl/anonymous"][1].decode()
    finally:
        with session_scope(backend.sessions) as session:
            load_seed(session, settings)

    # Harvest import.
    add_source(backend, "sapporo-portal", portal.url, rows=3)
    job = run(backend, "sapporo-portal")
    assert job.status == "finished", job.message
    seen = check(client, backend, admin, package_id(0))
    assert seen["show/anonymous"][1]["result"]["name"] == "sapporo-aed"

    # Soft delete: editors still read the package; Linked Data and search drop it.
    _action(client, admin.headers, "package_delete", id=ds_id)
    seen = check(client, backend, admin, ds_id)
    assert seen["show/admin"][1]["result"]["state"] == "deleted"
    assert seen["show/anonymous"][0] == 404

    # Purge: the stored row goes with the dataset.
    _action(client, admin.headers, "dataset_purge", id=ds_id)
    with session_scope(backend.sessions) as session:
        assert session.get(DatasetRendering, ds_id) is None
    gone = _surfaces(client, admin, "hinanjo-list")
    assert gone["show/admin"][0] == 404 and gone["v1/admin"][0] == 404
    assert gone["ttl/admin"][0] == 404 and gone["search/admin"] == []
