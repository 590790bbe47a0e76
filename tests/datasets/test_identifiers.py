"""Issue 10 item 2: who may choose a dataset's id, and ids and names never collide."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Accounts

SAPPORO = "011002"
SHINJUKU = "131016"


def _ckan(client: TestClient, action: str, headers: dict[str, str], **data: Any) -> Any:
    return client.post(f"/api/3/action/{action}", json=data, headers=headers)


def test_editor_cannot_hijack_a_name_with_an_id(client: TestClient, users: Accounts) -> None:
    alice = users.make("alice", org=SAPPORO)
    bob = users.make("bob", org=SHINJUKU)
    theirs = _ckan(client, "package_create", alice.headers, name="aed-list", owner_org=SAPPORO)
    assert theirs.status_code == 200, theirs.text
    a_id = theirs.json()["result"]["id"]

    hijack = _ckan(
        client, "package_create", bob.headers, id="aed-list", name="bob-aed", owner_org=SHINJUKU
    )
    assert hijack.status_code == 409, hijack.text
    assert "sysadmin" in hijack.json()["error"]["id"][0]
    # Even a UUID: editors never choose ids.
    chosen = _ckan(client, "package_create", bob.headers, id=str(uuid.uuid4()), owner_org=SHINJUKU)
    assert chosen.status_code == 409, chosen.text

    for path in ("/api/3/action/package_show?id=aed-list", "/api/v1/datasets/aed-list"):
        body = client.get(path).json()
        assert (body.get("result") or body)["id"] == a_id
    edit = _ckan(client, "package_patch", alice.headers, id="aed-list", title="AED")
    assert edit.status_code == 200, edit.text


def test_sysadmin_ids_are_uuids_and_names_are_not(client: TestClient, users: Accounts) -> None:
    admin = users.make("root", sysadmin=True)
    bad = _ckan(client, "package_create", admin.headers, id="my id <x>", owner_org=SAPPORO)
    assert bad.status_code == 409 and "UUID" in bad.json()["error"]["id"][0], bad.text

    wanted = uuid.uuid4()
    made = _ckan(client, "package_create", admin.headers, id=str(wanted).upper(), owner_org=SAPPORO)
    assert made.status_code == 200, made.text
    assert made.json()["result"]["id"] == str(wanted)  # canonical form
    again = _ckan(client, "package_create", admin.headers, id=str(wanted), owner_org=SAPPORO)
    assert again.status_code == 409, again.text

    for name in (str(uuid.uuid4()), uuid.uuid4().hex):
        res = client.post(
            "/api/v1/datasets", json={"name": name, "owner_org": SAPPORO}, headers=admin.headers
        )
        assert res.status_code == 422, res.text
        assert "UUID" in res.text
    # A dataset's id, in any UUID spelling, finds that dataset.
    for ref in (str(wanted), str(wanted).upper(), wanted.hex):
        found = client.get(f"/api/v1/datasets/{ref}")
        assert found.status_code == 200 and found.json()["id"] == str(wanted)


def test_rename_to_a_uuid_is_refused(client: TestClient, users: Accounts) -> None:
    editor = users.make("clerk", org=SAPPORO)
    ds = client.post(
        "/api/v1/datasets", json={"name": "aed", "owner_org": SAPPORO}, headers=editor.headers
    ).json()
    other = client.post(
        "/api/v1/datasets", json={"name": "other", "owner_org": SAPPORO}, headers=editor.headers
    ).json()
    res = client.patch(
        f"/api/v1/datasets/{ds['id']}", json={"name": other["id"]}, headers=editor.headers
    )
    assert res.status_code == 422, res.text
    assert client.get(f"/api/v1/datasets/{other['id']}").json()["name"] == "other"
