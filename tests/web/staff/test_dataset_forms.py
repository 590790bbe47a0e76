"""The dataset form <-> service mapping, on both databases: what a clerk types reaches the
same service the API calls, and what the service refuses comes back to the right field in
Japanese (or English), nothing typed lost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.service import authenticate_token
from app.datasets import service as datasets
from app.datasets.schemas import DatasetPatch, Provenance
from app.db import session_scope
from app.errors import Forbidden, Invalid, PreconditionFailed
from app.harvest import service as harvest_service
from app.harvest.importer import HARVESTER
from app.harvest.schemas import SourceIn
from app.web import i18n
from app.web.staff import dataset_choices as choices
from app.web.staff import dataset_forms as forms
from tests.conftest import Accounts, Backend

SAPPORO = "011002"
HAKODATE = "012025"
JA = i18n.translations("ja").gettext
EN = i18n.translations("en").gettext


def _typed(**extra: Any) -> forms.FormValues:
    values = forms.empty_values(SAPPORO)
    values.update(
        title="AED設置場所一覧",
        notes="札幌市内のAED設置場所です。",
        tags="AED、救急, 医療",
        license_id="cc-by-4.0",
        standard_kind="aed",
        categories=["social-security-health"],
        measures=["02-22", ""],
        spatial_code=SAPPORO,
        temporal_start="2024-04-01",
        temporal_end="2025-03-31",
        frequency="ANNUAL",
        publisher_name="札幌市",
        contact_email="opendata@city.sapporo.example.jp",
        resources__0__url="https://example.jp/aed.csv",
        resources__0__name="AED一覧",
        resources__0__format="csv",
    )
    values.update(extra)
    return values


def _actor(session: Session, token: str) -> Actor:
    return authenticate_token(session, token)


def _create(session: Session, actor: Actor, values: forms.FormValues) -> Any:
    data, schema = forms.build_create(forms.to_input(values))
    assert schema == {}
    return datasets.create_dataset(session, actor, data)


def test_one_submit_gets_both_messages_at_their_fields_in_japanese_and_english(
    backend: Backend, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    typed = _typed(resources__0__url="javascript:alert(1)", spatial_code="011001")
    with session_scope(backend.sessions) as session:
        with pytest.raises(Invalid) as refused:
            _create(session, _actor(session, clerk.token), typed)
        session.rollback()
    ja = forms.field_errors(refused.value.fields, JA)
    en = forms.field_errors(refused.value.fields, EN)
    # Page order: the code picker comes before the resource section.
    assert list(ja) == ["spatial_code", "resources__0__url"]
    assert "全国地方公共団体コード" in ja["spatial_code"]
    assert "http:// または https://" in ja["resources__0__url"]
    assert "local-government code" in en["spatial_code"]
    assert "http:// or https://" in en["resources__0__url"]
    # Nothing was saved.
    with session_scope(backend.sessions) as session:
        assert datasets.list_datasets(session, _actor(session, clerk.token)).total == 0


def test_every_message_kind_the_form_can_trigger_is_translated(
    backend: Backend, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    users.make("other", org=SAPPORO)
    typed = _typed(
        name="Bad Name",
        author_email="not-an-address",
        url="ftp://example.jp/",
        contact_url="https://example.jp/a b",
        language="japanese",
        temporal_start="2025-04-01",
        temporal_end="2024-03-31",
        standard_kind="no-such-kind",
        categories=["no-such-category"],
        measures=["99-99"],
        license_id="no-such-licence",
        frequency="sometimes",
    )
    with session_scope(backend.sessions) as session:
        with pytest.raises(Invalid) as refused:
            _create(session, _actor(session, clerk.token), typed)
        session.rollback()
    ja = forms.field_errors(refused.value.fields, JA)
    assert set(ja) == {
        "name",
        "author_email",
        "url",
        "contact_url",
        "language",
        "temporal_end",
        "standard_kind",
        "categories",
        "measures",
        "license_id",
        "frequency",
    }
    for field, message in ja.items():
        assert not message.startswith("入力内容を確認してください"), (field, message)
    assert "21文字目" in ja["contact_url"]  # the position of the space, said in Japanese


def test_schema_errors_reach_the_field_too(backend: Backend, users: Accounts) -> None:
    typed = _typed(temporal_start="2024-13-01", title="x" * 1001, tags="ok, " + "a" * 101)
    data, schema = forms.build_create(forms.to_input(typed))
    assert data.title is None and data.temporal_start is None  # the rest is still there
    assert data.spatial_code == SAPPORO
    ja = forms.field_errors(schema, JA)
    assert list(ja) == ["title", "tags", "temporal_start"]
    assert "年-月-日" in ja["temporal_start"]
    assert "1000文字以内" in ja["title"] and "100文字以内" in ja["tags"]


def test_a_valid_form_creates_the_dataset_and_opens_again_as_typed(
    backend: Backend, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    typed = _typed(visibility="private")
    with session_scope(backend.sessions) as session:
        out = _create(session, _actor(session, clerk.token), typed)
    assert out.private and out.state == "active"
    assert out.tags == ["AED", "救急", "医療"]
    assert [m.name for m in out.measures] == ["02-22"]
    assert out.resources[0].url == "https://example.jp/aed.csv"
    assert out.resources[0].format == "CSV"
    reopened = forms.values_from_dataset(out)
    typed_again = {k: v for k, v in typed.items() if k not in forms.FIRST_RESOURCE}
    typed_again["name"] = out.name  # generated: e-Gov style org_date_number
    assert forms.changed_fields(typed_again, reopened) == set()
    assert reopened["tags"] == "AED, 救急, 医療"  # "、" shown back as ", "


def test_a_measure_picked_with_its_title_is_sent_as_its_id(
    backend: Backend, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    with session_scope(backend.sessions) as session:
        title = choices.measure_titles(session)["02-22"]
        out = _create(session, _actor(session, clerk.token), _typed(measures=[f"02-22 {title}"]))
    assert [m.name for m in out.measures] == ["02-22"]


def test_stale_revision_is_refused_and_the_conflict_lists_what_differs(
    backend: Backend, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    other = users.make("other", org=SAPPORO)
    with session_scope(backend.sessions) as session:
        out = _create(session, _actor(session, clerk.token), _typed())
    opened = forms.values_from_dataset(out)
    with session_scope(backend.sessions) as session:
        datasets.update_dataset(
            session,
            _actor(session, other.token),
            out.name,
            DatasetPatch(title="AED一覧（更新）"),
            mode="patch",
            if_match=out.revision,
        )
    mine = {**opened, "notes": "私の説明"}
    patch, schema = forms.build_patch(forms.to_input(mine, only=forms.changed_fields(mine, opened)))
    assert schema == {}
    with session_scope(backend.sessions) as session:
        with pytest.raises(PreconditionFailed):
            datasets.update_dataset(
                session,
                _actor(session, clerk.token),
                out.name,
                patch,
                mode="patch",
                if_match=out.revision,
            )
        session.rollback()
        theirs = datasets.get_dataset(session, _actor(session, clerk.token), out.name)
    rows = forms.conflict_rows(forms.values_from_dataset(theirs), mine)
    assert rows == [
        ("title", "AED一覧（更新）", "AED設置場所一覧"),
        ("notes", "札幌市内のAED設置場所です。", "私の説明"),
    ]


def test_a_clerk_of_another_organisation_is_offered_nothing_and_refused(
    backend: Backend, users: Accounts
) -> None:
    users.make("clerk", org=SAPPORO)
    outsider = users.make("outsider", org=HAKODATE)
    with session_scope(backend.sessions) as session:
        actor = _actor(session, outsider.token)
        assert [name for name, _label in choices.editable_orgs(session, actor, "ja")] == [HAKODATE]
        with pytest.raises(Forbidden):
            _create(session, actor, _typed())


def test_harvested_dataset_shows_source_fields_and_the_local_edits_that_survive(
    backend: Backend, users: Accounts
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
        data, _schema = forms.build_create(forms.to_input(_typed()))
        out = datasets.create_dataset(
            session, HARVESTER, data, provenance=Provenance(harvest_source_id=source.id)
        )
    source_fields, kept = forms.harvest_fields(out)
    assert kept == set() and {"title", "notes", "spatial_code"} <= source_fields
    opened = forms.values_from_dataset(out)
    mine = {**opened, "title": "AED設置場所（札幌市編集）"}
    changed = forms.changed_fields(mine, opened)
    assert changed == {"title"}
    patch, _schema = forms.build_patch(forms.to_input(mine, only=changed))
    with session_scope(backend.sessions) as session:
        edited = datasets.update_dataset(
            session,
            _actor(session, clerk.token),
            out.name,
            patch,
            mode="patch",
            if_match=out.revision,
        )
    source_fields, kept = forms.harvest_fields(edited)
    assert kept == {"title"}
    assert "title" not in source_fields and "notes" in source_fields
