"""The dataset form routes over HTTP on both databases (a token header signs the requests in,
as `WebActorDep` allows): route order, states, rollback of a refused save, authorisation,
the harvested dataset's form, caching headers."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate, Provenance
from app.db import session_scope
from app.harvest import service as harvest_service
from app.harvest.importer import HARVESTER
from app.harvest.schemas import SourceIn
from tests.conftest import Accounts, Backend

SAPPORO = "011002"
HAKODATE = "012025"
HTML = {"Accept": "text/html"}


def _form(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "公園一覧",
        "owner_org": SAPPORO,
        "visibility": "public",
        "notes": "札幌市の公園",
        "license_id": "cc-by-4.0",
        "categories": ["land-weather"],
        "spatial_code": SAPPORO,
        "language": "ja",
        "resources__0__url": "https://example.jp/park.csv",
        "resources__0__name": "公園CSV",
        "resources__0__format": "csv",
    }
    body.update(extra)
    return body


def _summary(text: str) -> list[str]:
    return re.findall(r'<li><a href="#([^"]+)">', text)


def test_new_is_the_form_not_a_dataset_and_is_never_cached(
    client: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    page = client.get("/dataset/new", headers={**HTML, **clerk.headers})
    assert page.status_code == 200
    assert 'action="/dataset/new"' in page.text and 'id="lg-list"' in page.text
    assert (
        page.headers["cache-control"] == "no-store" or "no-store" in page.headers["cache-control"]
    )
    assert 'name="robots" content="noindex"' in page.text
    anonymous = client.get("/dataset/new", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/user/login?came_from=")


def test_each_state_is_saved_as_chosen(client: TestClient, users: Accounts) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    headers = {**HTML, **clerk.headers}
    seen = {}
    for visibility in ("draft", "private", "public"):
        made = client.post(
            "/dataset/new",
            data=_form(visibility=visibility),
            headers=headers,
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text[:500]
        name = made.headers["location"].rsplit("/", 1)[1]
        api = client.get(f"/api/v1/datasets/{name}", headers=clerk.headers).json()
        seen[visibility] = (api["state"], api["private"])
    assert seen == {
        "draft": ("draft", False),
        "private": ("active", True),
        "public": ("active", False),
    }


def test_a_refused_edit_saves_nothing_and_shows_what_was_typed(
    backend: Backend, client: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    headers = {**HTML, **clerk.headers}
    made = client.post("/dataset/new", data=_form(), headers=headers, follow_redirects=False)
    name = made.headers["location"].rsplit("/", 1)[1]
    form = client.get(f"/dataset/edit/{name}", headers=headers).text
    revision = re.search(r'name="revision" value="(\d+)"', form)
    assert revision is not None
    edit = _form(
        title="変えたタイトル", spatial_code="011001", revision=revision.group(1), name=name
    )
    refused = client.post(f"/dataset/edit/{name}", data=edit, headers=headers)
    assert refused.status_code == 422
    assert _summary(refused.text) == ["spatial_code"]
    assert 'value="変えたタイトル"' in refused.text
    with session_scope(backend.sessions) as session:  # the tables, not a stored rendering
        stored = datasets.get_dataset(session, SYSTEM, name)
    assert stored.title == "公園一覧" and stored.spatial_code == SAPPORO
    assert stored.revision == int(revision.group(1))


def test_another_organisations_clerk_gets_403_and_the_dataset_is_untouched(
    client: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    outsider = users.make("outsider", org=HAKODATE)
    made = client.post(
        "/dataset/new", data=_form(), headers={**HTML, **clerk.headers}, follow_redirects=False
    )
    name = made.headers["location"].rsplit("/", 1)[1]
    headers = {**HTML, **outsider.headers}
    for path in (
        f"/dataset/edit/{name}",
        f"/dataset/delete/{name}",
        f"/dataset/{name}/resource/new",
    ):
        page = client.get(path, headers=headers)
        assert page.status_code == 403, path
        assert 'class="staff-form"' not in page.text
    assert (
        client.post(f"/dataset/edit/{name}", data=_form(title="x"), headers=headers).status_code
        == 403
    )
    assert client.post(f"/dataset/delete/{name}", headers=headers).status_code == 403
    forged = client.post("/dataset/new", data=_form(title="なりすまし"), headers=headers)
    assert forged.status_code == 403
    assert client.get(f"/api/v1/datasets/{name}").json()["title"] == "公園一覧"


def test_harvested_dataset_form_marks_source_fields_and_kept_edits(
    backend: Backend, client: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    with session_scope(backend.sessions) as session:
        source = harvest_service.create_source(
            session,
            HARVESTER,
            SourceIn(
                name="sapporo", type="ckan", url="https://ckan.example.jp/", organization=SAPPORO
            ),
        )
        out = datasets.create_dataset(
            session,
            HARVESTER,
            DatasetCreate(name="harvested-parks", title="公園", notes="元", owner_org=SAPPORO),
            provenance=Provenance(harvest_source_id=source.id),
        )
    headers = {**HTML, **clerk.headers}
    form = client.get("/dataset/edit/harvested-parks", headers=headers).text
    assert 'id="harvest-notice"' in form
    assert form.count("収集元の値: 次回の収集で") >= 10
    assert "このサイトで編集済み" not in form
    typed = {
        "title": "公園（札幌市で修正）",
        "notes": "元",
        "owner_org": SAPPORO,
        "visibility": "public",
        "language": "ja",
        "name": "harvested-parks",
        "revision": str(out.revision),
    }
    saved = client.post(
        "/dataset/edit/harvested-parks", data=typed, headers=headers, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:500]
    api = client.get("/api/v1/datasets/harvested-parks").json()
    assert api["local_fields"] == ["title"]  # only the field changed: the rest stays the source's
    form = client.get("/dataset/edit/harvested-parks", headers=headers).text
    title_field = form[form.index('for="title"') : form.index('id="title"')]
    assert "このサイトで編集済み" in title_field


def test_schema_and_service_messages_come_together_and_nothing_is_saved(
    backend: Backend, client: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    typed = _form(title="x" * 1001, spatial_code="011001", temporal_start="2024-02-30")
    page = client.post("/dataset/new", data=typed, headers={**HTML, **clerk.headers})
    assert page.status_code == 422
    assert _summary(page.text) == ["title", "spatial_code", "temporal_start"]
    assert 'value="2024-02-30"' in page.text and "x" * 1001 in page.text
    with session_scope(backend.sessions) as session:
        assert datasets.list_datasets(session, SYSTEM).total == 0


def test_a_sysadmin_types_the_organisation_with_suggestions(
    client: TestClient, users: Accounts
) -> None:
    admin = users.make("kanri", sysadmin=True)
    headers = {**HTML, **admin.headers}
    form = client.get("/dataset/new", headers=headers).text
    assert 'list="org-list"' in form and '<datalist id="org-list">' in form
    assert 'id="owner_org"' in form and '<select class="form-input" id="owner_org"' not in form
    made = client.post(
        "/dataset/new", data=_form(owner_org="soumu"), headers=headers, follow_redirects=False
    )
    assert made.status_code == 303
    name = made.headers["location"].rsplit("/", 1)[1]
    assert client.get(f"/api/v1/datasets/{name}").json()["organization"]["name"] == "soumu"
    wrong = client.post("/dataset/new", data=_form(owner_org="どこか"), headers=headers)
    assert wrong.status_code == 422 and _summary(wrong.text) == ["owner_org"]
    assert "組織「どこか」は見つかりません" in wrong.text


def test_dataset_page_offers_edit_links_only_to_whom_may_edit(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    with session_scope(backend.sessions) as session:
        datasets.create_dataset(
            session, SYSTEM, DatasetCreate(name="edit-links", title="公園", owner_org=SAPPORO)
        )
    edit = 'href="/dataset/edit/edit-links"'
    add = 'href="/dataset/edit-links/resource/new"'
    anonymous = client.get("/dataset/edit-links", headers=HTML)
    assert anonymous.status_code == 200 and "公園" in anonymous.text
    assert edit not in anonymous.text and add not in anonymous.text
    other = users.make("hakodate-clerk", org=HAKODATE)
    page = client.get("/dataset/edit-links", headers={**HTML, **other.headers})
    assert page.status_code == 200 and edit not in page.text and add not in page.text
    member = users.make("sapporo-member", org=SAPPORO, role="member")  # may read, not edit
    page = client.get("/dataset/edit-links", headers={**HTML, **member.headers})
    assert page.status_code == 200 and edit not in page.text
    for user in (users.make("clerk", org=SAPPORO), users.make("root", sysadmin=True)):
        headers = {**HTML, **user.headers}
        # The anonymous page's ETag does not give the editor the anonymous copy (no 304).
        page = client.get(
            "/dataset/edit-links", headers={**headers, "If-None-Match": anonymous.headers["etag"]}
        )
        assert page.status_code == 200 and edit in page.text and add in page.text
        assert (
            "no-store" in page.headers["cache-control"]
            or "private" in page.headers["cache-control"]
        )
        # The links lead to forms this user may use.
        assert client.get("/dataset/edit/edit-links", headers=headers).status_code == 200
        assert client.get("/dataset/edit-links/resource/new", headers=headers).status_code == 200


def test_a_field_over_the_form_limit_gets_a_page_that_says_so(
    client: TestClient, users: Accounts
) -> None:
    """Starlette's form parser refuses a field over 1 MB (400); a browser gets the layout
    with what to fix, in its language, and nothing is saved."""
    clerk = users.make("clerk", org=SAPPORO)
    headers = {**HTML, **clerk.headers}
    before = client.get("/api/v1/datasets", params={"organization": SAPPORO}).json()["total"]
    big = {**_form(), "notes": "あ" * (2 * 1024 * 1024)}
    for lang, text in (("ja", "1 つの欄は 1 MB まで"), ("en", "Keep each field under 1 MB")):
        page = client.post(
            f"/dataset/new?lang={lang}", files={"x": ("", b"")}, data=big, headers=headers
        )
        assert page.status_code == 400
        assert page.headers["content-type"].startswith("text/html")
        assert f'<p class="muted" lang="{lang}">' in page.text and text in page.text
    after = client.get("/api/v1/datasets", params={"organization": SAPPORO}).json()["total"]
    assert after == before


def test_staff_pages_refuse_to_be_framed(
    client: TestClient, users: Accounts, backend: Backend
) -> None:
    """Pages with state-changing buttons (delete, save, run) can't be put in another site's
    frame and clicked through it (clickjacking)."""
    with session_scope(backend.sessions) as session:
        datasets.create_dataset(
            session, SYSTEM, DatasetCreate(name="framed", title="公園", owner_org=SAPPORO)
        )
    headers = {**HTML, **users.make("clerk", org=SAPPORO).headers}
    for path in (
        "/user/login",
        "/dashboard",
        "/dataset/new",
        "/dataset/edit/framed",
        "/dataset/delete/framed",
        "/dataset/framed/resource/new",
        "/dataset/upload",
        "/harvest",
    ):
        page = client.get(path, headers=headers)
        assert page.status_code == 200, path
        assert page.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
