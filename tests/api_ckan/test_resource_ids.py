"""A resource id of another dataset, or one given twice, in a package's resources is a 409
Validation Error naming the field (it used to break the primary key: 500, or a misleading
"name already in use" on package_create)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api_ckan.test_writes import call
from tests.conftest import Accounts


def test_foreign_or_repeated_resource_ids_are_refused(
    client: TestClient, users: Accounts
) -> None:
    other = users.make("other-editor", org="011002", role="editor")
    editor = users.make("editor", org="131016", role="editor")
    theirs = call(
        client,
        "package_create",
        other,
        name="theirs",
        owner_org="011002",
        resources=[{"url": "https://example.jp/theirs.csv", "name": "THEIRS"}],
    )
    their_res = theirs["resources"][0]["id"]
    mine = call(client, "package_create", editor, name="mine", owner_org="131016")
    taken = {"id": their_res, "url": "https://example.jp/hijack.csv"}

    # CKAN's error shape for list fields: one dict per item, the bad one holding the message.
    err = call(client, "package_patch", editor, 409, id="mine", resources=[taken])
    assert err["__type"] == "Validation Error"
    assert "id" in err["resources"][0]
    err = call(
        client, "package_update", editor, 409, id="mine", owner_org="131016", resources=[taken]
    )
    assert "id" in err["resources"][0]
    err = call(
        client, "package_create", editor, 409, name="mine2", owner_org="131016", resources=[taken]
    )
    assert "id" in err["resources"][0] and "name" not in err

    fresh = "0b7a1c7e-5d7e-4c1e-9a55-0a1b2c3d4e5f"
    twice = [{"id": fresh, "url": "https://example.jp/a.csv"}] * 2
    err = call(client, "package_patch", editor, 409, id=mine["id"], resources=twice)
    assert err["resources"][0] == {} and "id" in err["resources"][1]

    # Nothing moved: their resource is still theirs, unchanged.
    shown = call(client, "resource_show", other, id=their_res)
    assert shown["package_id"] == theirs["id"] and shown["name"] == "THEIRS"


def test_writes_to_a_private_resource_do_not_name_its_dataset(
    client: TestClient, users: Accounts
) -> None:
    owner = users.make("owner-editor", org="011002", role="editor")
    outsider = users.make("outsider", org="131016", role="editor")
    hidden = call(
        client,
        "package_create",
        owner,
        name="hidden-one",
        owner_org="011002",
        private=True,
        resources=[{"url": "https://example.jp/h.csv"}],
    )
    res_id = hidden["resources"][0]["id"]
    for action in ("resource_update", "resource_patch", "resource_delete"):
        err = call(client, action, outsider, 404, id=res_id, url="https://example.jp/x.csv")
        assert hidden["id"] not in err["message"] and "hidden-one" not in err["message"]
        assert res_id in err["message"]
