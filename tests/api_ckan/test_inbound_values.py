"""A user's own writes (issue 12): references resolved by every name, unknown values refused
in CKAN's error shape, URLs with blanks or control characters refused with where they are."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts


def _call(client: TestClient, action: str, who: Account, **data: Any) -> Any:
    return client.post(f"/api/3/action/{action}", json=data, headers=who.headers)


@pytest.fixture
def editor(users: Accounts) -> Account:
    return users.make("editor", org="011002", role="editor")


def test_references_resolve_by_alias_in_user_writes(client: TestClient, editor: Account) -> None:
    res = _call(
        client,
        "package_create",
        editor,
        name="aliases",
        owner_org="01100",  # 札幌市 without its check digit
        license_id="CC BY 4.0",
        groups=[{"name": "gr_1300"}, {"name": "人口・世帯"}],
        resources=[
            {"url": "https://example.jp/a.csv", "license_id": "政府標準利用規約（第 2.0 版）"}
        ],
    )
    assert res.status_code == 200, res.text
    pkg = res.json()["result"]
    assert pkg["organization"]["name"] == "011002" and pkg["license_id"] == "cc-by-4.0"
    assert {g["title"] for g in pkg["groups"]} == {"行財政", "人口・世帯"}
    assert pkg["resources"][0]["license_id"] == "gsl-2.0"


def test_unknown_values_get_ckans_validation_error_shape(
    client: TestClient, editor: Account
) -> None:
    res = _call(
        client,
        "package_create",
        editor,
        name="unknown",
        owner_org="011002",
        license_id="my-own-licence",
        resources=[
            {"url": "https://example.jp/a.csv"},
            {"url": "https://example.jp/b.csv", "license_id": "CC-BY-XYZ"},
        ],
    )
    assert res.status_code == 409, res.text
    error = res.json()["error"]
    assert error["__type"] == "Validation Error"
    assert "my-own-licence" in error["license_id"][0]
    assert error["resources"][0] == {}
    assert "CC-BY-XYZ" in error["resources"][1]["license_id"][0]
    assert not [k for k in error if "__" in k and k != "__type"]


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("https://example.org/a\tb.csv", "a tab (U+0009) at character 22"),
        ("https://example.org/a.csv\n", "a line feed (U+000A) at character 26"),
        ("https://example.org/a b.csv", "SPACE (U+0020) at character 22"),
        ("https://example.org/\u200ba.csv", "ZERO WIDTH SPACE (U+200B) at character 21"),
    ],
)
def test_urls_with_blanks_or_controls_are_refused_everywhere(
    client: TestClient, editor: Account, url: str, what: str
) -> None:
    res = _call(
        client, "package_create", editor, name="urls", owner_org="011002",
        resources=[{"url": url}],
    )  # fmt: skip
    assert res.status_code == 409
    assert what in res.json()["error"]["resources"][0]["url"][0]
    res = _call(client, "package_create", editor, name="urls", owner_org="011002", url=url)
    assert res.status_code == 409 and what in res.json()["error"]["url"][0]
    made = _call(client, "package_create", editor, name="urls", owner_org="011002")
    assert made.status_code == 200
    res = _call(client, "resource_create", editor, package_id="urls", url=url)
    assert res.status_code == 409 and what in res.json()["error"]["url"][0]
    native = client.post(
        "/api/v1/datasets/urls/resources", json={"url": url}, headers=editor.headers
    )
    assert native.status_code == 422 and what in native.text


def test_harvested_style_dict_through_package_create(client: TestClient, users: Accounts) -> None:
    """A DATA.GO.JP package dict pushed as is (as ckanext-harvest does) by a sysadmin."""
    from tests.harvest.national_records import datagojp

    admin = users.make("admin", sysadmin=True)
    pkg = datagojp()
    pkg["extras"].append({"key": "machine_readable", "value": False})
    res = _call(client, "package_create", admin, **pkg)
    assert res.status_code == 200, res.text
    made = res.json()["result"]
    assert made["organization"]["name"] == "caa"
    assert [g["title"] for g in made["groups"]] == ["行財政"]
    assert made["resources"][0]["license_id"] == "cc-by"
    assert made["publisher"] == made["publisher_name"] == "消費者庁"
    assert made["release_date"] == "2018-11-22"
    extras = {e["key"]: e["value"] for e in made["extras"]}
    assert extras["machine_readable"] == "false" and extras["copyright"] == "消費者庁"
    # package_update with the package_show dict changes nothing (e-Gov names are copies).
    shown = client.get("/api/3/action/package_show", params={"id": made["id"]}).json()["result"]
    again = _call(client, "package_update", admin, **shown)
    assert again.status_code == 200, again.text
    after = again.json()["result"]
    assert {e["key"]: e["value"] for e in after["extras"]} == extras
    for key in ("publisher", "contactPoint", "creator", "frequency_of_update", "landingPage"):
        assert after[key] == made[key], key
