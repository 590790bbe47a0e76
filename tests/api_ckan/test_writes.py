"""Write actions: CKAN dicts in, the same rules as every other surface, CKAN dicts out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api_ckan.conftest import make_dataset
from tests.conftest import Account, Accounts, Backend


def call(
    client: TestClient, action: str, who: Account | None, status: int = 200, /, **data: Any
) -> Any:
    res = client.post(f"/api/3/action/{action}", json=data, headers=who.headers if who else {})
    assert res.status_code == status, res.text
    body = res.json()
    return body["result"] if status == 200 else body["error"]


def test_create_update_patch_delete_purge(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    editor = users.make("editor", org="011002", role="editor")
    admin = users.make("admin", sysadmin=True)
    pkg = call(
        client,
        "package_create",
        editor,
        name="nursery",
        title="保育所一覧",
        owner_org="011002",
        tags=[{"name": "保育"}],
        extras=[{"key": "frequency", "value": "毎年"}, {"key": "note", "value": "x"}],
        resources=[{"url": "https://example.jp/a.csv", "name": "一覧"}],
    )
    assert pkg["frequency"] == "ANNUAL" and pkg["num_resources"] == 1
    res_id = pkg["resources"][0]["id"]

    # Full replace: fields left out are reset, but omitted resources are kept (CKAN 2.10+).
    updated = call(
        client, "package_update", editor, id=pkg["id"], title="保育所等一覧", owner_org="011002"
    )
    assert updated["title"] == "保育所等一覧"
    assert updated["tags"] == [] and updated["frequency"] == ""
    assert [r["id"] for r in updated["resources"]] == [res_id]

    patched = call(
        client, "package_patch", editor, id="nursery", notes="説明", tags=[{"name": "保育"}]
    )
    assert patched["title"] == "保育所等一覧" and patched["notes"] == "説明"
    assert [t["name"] for t in patched["tags"]] == ["保育"]
    patched = call(
        client,
        "package_patch",
        editor,
        id="nursery",
        extras=[{"key": "frequency", "value": "MONTHLY"}],
        groups=[{"name": "02-24"}],
    )
    assert patched["frequency"] == "MONTHLY" and patched["measures"] == ["02-24"]
    patched = call(client, "package_patch", editor, id="nursery", measures=[])
    assert patched["groups"] == [] and patched["frequency"] == "MONTHLY"

    assert call(client, "package_delete", editor, id="nursery") is None
    call(client, "package_show", None, 404, id="nursery")
    assert "nursery" not in call(client, "package_list", None)
    call(client, "dataset_purge", editor, 403, id="nursery")
    assert call(client, "dataset_purge", admin, id="nursery") is None
    call(client, "package_show", admin, 404, id="nursery")


def test_create_keeps_the_id_it_is_given(client: TestClient, users: Accounts) -> None:
    admin = users.make("admin", sysadmin=True)
    wanted = "6d7b6c52-2b1a-4a43-9d0d-6a3a5f1c0001"
    pkg = call(client, "package_create", admin, id=wanted, name="given-id", owner_org="soumu")
    assert pkg["id"] == wanted
    err = call(client, "package_create", admin, 409, id=wanted, name="other", owner_org="soumu")
    assert err["__type"] == "Validation Error" and "id" in err
    assert call(
        client, "package_create", admin, name="id-only", owner_org="soumu", return_id_only=True
    )


def test_validation_errors_are_per_field(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    admin = users.make("admin", sysadmin=True)
    make_dataset(backend, name="taken")
    err = call(client, "package_create", admin, 409, name="taken", owner_org="011002")
    assert err == {"name": ["That URL is already in use."], "__type": "Validation Error"}
    err = call(
        client,
        "package_create",
        admin,
        409,
        name="Bad Name!",
        owner_org="011002",
        author_email="not-an-email",
        temporal_start="someday",
    )
    assert err["__type"] == "Validation Error" and "temporal_start" in err
    err = call(
        client,
        "package_create",
        admin,
        409,
        name="bad-fields",
        owner_org="011002",
        author_email="nope",
        spatial_code="011001",
    )
    assert set(err) == {"author_email", "spatial_code", "__type"}
    err = call(client, "package_create", admin, 409, name="no-org")
    assert "owner_org" in err


def test_authorization(client: TestClient, users: Accounts, backend: Backend) -> None:
    make_dataset(backend, name="sapporo-only")
    other = users.make("chiyoda", org="131016", role="editor")
    member = users.make("member", org="011002", role="member")
    for who in (other, member):
        err = call(client, "package_patch", who, 403, id="sapporo-only", title="x")
        assert err["__type"] == "Authorization Error"
        call(client, "package_create", who, 403, name="x-in-sapporo", owner_org="011002")
    call(client, "package_delete", None, 403, id="sapporo-only")


def test_resources(client: TestClient, users: Accounts, backend: Backend) -> None:
    editor = users.make("editor", org="011002", role="editor")
    ds = make_dataset(backend, name="with-res")
    first = call(
        client,
        "resource_create",
        editor,
        package_id="with-res",
        url="https://example.jp/a.csv",
        name="A",
        format="csv",
        encoding="UTF-8",
    )
    assert first["package_id"] == ds.id and first["position"] == 0
    assert first["format"] == "CSV" and first["encoding"] == "UTF-8"
    second = call(
        client, "resource_create", editor, package_id=ds.id, url="https://example.jp/b.json"
    )
    assert second["position"] == 1
    patched = call(client, "resource_patch", editor, id=first["id"], description="説明")
    assert patched["name"] == "A" and patched["description"] == "説明"
    assert patched["encoding"] == "UTF-8"
    replaced = call(
        client, "resource_update", editor, id=first["id"], url="https://example.jp/c.csv"
    )
    assert replaced["name"] == "" and replaced["url"] == "https://example.jp/c.csv"
    assert call(client, "resource_delete", editor, id=first["id"]) is None
    pkg = call(client, "package_show", None, id=ds.id)
    assert [(r["id"], r["position"]) for r in pkg["resources"]] == [(second["id"], 0)]
    err = call(client, "resource_create", editor, 409, package_id=ds.id, url="ftp://x")
    assert set(err) == {"url", "__type"}
    err = call(client, "resource_create", editor, 409, package_id=ds.id, size="big")
    assert set(err) == {"size", "__type"}
    call(client, "resource_create", editor, 409, url="https://example.jp/d.csv")
    call(client, "resource_create", editor, 404, package_id="nope", url="https://example.jp/d.csv")


def test_organization_member_create(client: TestClient, users: Accounts) -> None:
    admin = users.make("admin", sysadmin=True)
    newcomer = users.make("newcomer")
    call(client, "package_create", newcomer, 403, name="before", owner_org="011002")
    member = call(
        client, "organization_member_create", admin, id="011002", username="newcomer", role="editor"
    )
    assert member["capacity"] == "editor" and member["table_name"] == "user"
    call(client, "package_create", newcomer, name="after", owner_org="011002")
    err = call(
        client,
        "organization_member_create",
        admin,
        409,
        id="011002",
        username="newcomer",
        role="owner",
    )
    assert "role" in err
    call(
        client,
        "organization_member_create",
        newcomer,
        403,
        id="011002",
        username="admin",
        role="admin",
    )
