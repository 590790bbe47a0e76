"""Preview and apply of an オープンデータ一覧 against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts import service as accounts
from app.accounts.actor import SYSTEM, Actor
from app.accounts.schemas import UserCreate
from app.bulk import service
from app.bulk.open_data_list import parse
from app.datasets import service as datasets
from app.datasets.schemas import DatasetPatch
from app.db import session_scope
from app.errors import Forbidden
from app.models import Dataset, DatasetActivity, Tag
from tests.bulk.lists import SAPPORO, row, to_csv, to_xlsx
from tests.conftest import Backend

CHUO = "131024"  # 東京都中央区, in the seed
URL = "https://www.city.sapporo.jp/opendata/"


def _user(backend: Backend, name: str = "clerk", *, sysadmin: bool = False) -> Actor:
    with session_scope(backend.sessions) as session:
        accounts.create_user(
            session, SYSTEM, UserCreate(name=name, password="correct horse", sysadmin=sysadmin)
        )
        if not sysadmin:
            accounts.set_member(session, SYSTEM, SAPPORO, name, "editor")
    with session_scope(backend.sessions) as session:
        return accounts.authenticate_password(session, name, "correct horse")


@pytest.fixture
def clerk(backend: Backend) -> Actor:
    return _user(backend)


def _plan(backend: Backend, data: bytes, actor: Actor, org: str = SAPPORO) -> service.UploadPlan:
    with backend.sessions() as session:
        plan = service.preview(session, actor, org, parse(data))
        session.rollback()
        return plan


def _apply(backend: Backend, plan: service.UploadPlan, actor: Actor) -> service.ApplyResult:
    with session_scope(backend.sessions) as session:
        return service.apply(session, actor, plan)


def _count(backend: Backend, model: Any) -> int:
    with backend.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _second_file(n: int) -> dict[str, Any]:
    return row(
        n,
        ファイル_タイトル=f"facility_{n}.xlsx",
        ファイル_ダウンロードURL=f"{URL}facility_{n}.xlsx",
        ファイル形式="ｘｌｓｘ",
    )


def test_preview_writes_nothing_then_apply_creates_grouped_datasets(
    backend: Backend, clerk: Actor
) -> None:
    data = to_csv([row(1), row(2), _second_file(2)], "cp932")
    plan = _plan(backend, data, clerk)
    assert plan.encoding == "cp932"
    assert [r.outcome for r in plan.rows] == ["new", "new", "new"]
    assert len(plan.datasets) == 2
    assert plan.issues == []
    assert _count(backend, Dataset) == 0  # nothing saved before the clerk says so
    result = _apply(backend, plan, clerk)
    assert len(result.created) == 2
    first, second = (name for name, _title in result.created)
    assert re.fullmatch(rf"{SAPPORO}_\d{{8}}_0001", first)  # e-Gov style, never munged
    assert second == first[:-4] + "0002"
    with backend.sessions() as session:
        ds = datasets.get_dataset(session, clerk, result.created[1][0])
    assert ds.title == "公共施設一覧 その2"
    assert [r.format for r in ds.resources] == ["CSV", "XLSX"]  # full-width ｘｌｓｘ read
    assert ds.extras["identifier"] == f"{SAPPORO}-0002"
    assert ds.license is not None and ds.license.id == "cc-by-4.0"
    assert [c.title for c in ds.categories] == ["教育・文化・スポーツ・生活"]
    assert ds.issued is not None and ds.issued.date().isoformat() == "2024-01-19"
    assert ds.modified is not None and ds.modified.date().isoformat() == "2024-02-05"  # 令和6年
    assert ds.frequency == "ANNUAL"
    assert ds.spatial_code == SAPPORO
    assert ds.tags == ["公共", "施設"]


def test_reupload_is_unchanged_and_writes_nothing(backend: Backend, clerk: Actor) -> None:
    data = to_xlsx([row(1), row(2), _second_file(2)])
    _apply(backend, _plan(backend, data, clerk), clerk)
    activities = _count(backend, DatasetActivity)
    again = _plan(backend, data, clerk)
    assert [r.outcome for r in again.rows] == ["unchanged"] * 3
    result = _apply(backend, again, clerk)
    assert (result.created, result.updated, result.unchanged) == ([], [], 2)
    assert _count(backend, DatasetActivity) == activities  # no revision, no feed entry


def test_changed_row_is_an_update_naming_the_fields(backend: Backend, clerk: Actor) -> None:
    _apply(backend, _plan(backend, to_csv([row(1), row(2)]), clerk), clerk)
    changed = row(2, データセット_概要="説明を書き直しました。", ファイル形式="xlsx")
    plan = _plan(backend, to_csv([row(1), changed, row(3)]), clerk)
    assert [r.outcome for r in plan.rows] == ["unchanged", "update", "new"]
    assert plan.datasets[1].changes == ["notes", "resources"]
    result = _apply(backend, plan, clerk)
    assert len(result.updated) == 1 and len(result.created) == 1
    with backend.sessions() as session:
        ds = datasets.get_dataset(session, clerk, result.updated[0][0])
    assert ds.notes == "説明を書き直しました。"
    assert ds.revision == 2


def test_stale_dataset_is_refused_at_save_not_overwritten(backend: Backend, clerk: Actor) -> None:
    _apply(backend, _plan(backend, to_csv([row(1), row(2)]), clerk), clerk)
    plan = _plan(
        backend,
        to_csv([row(1, データセット_概要="一覧から"), row(2, データセット_概要="同")]),
        clerk,
    )
    name = plan.datasets[0].dataset_name
    assert name is not None
    with session_scope(backend.sessions) as session:  # someone edits in between
        datasets.update_dataset(
            session, clerk, name, DatasetPatch(notes="画面で直した"), mode="patch"
        )
    result = _apply(backend, plan, clerk)
    assert result.stale == [("公共施設一覧 その1", [2])]
    assert len(result.updated) == 1
    with backend.sessions() as session:
        assert datasets.get_dataset(session, clerk, name).notes == "画面で直した"


def test_errors_name_row_and_column_and_valid_rows_are_saved(
    backend: Backend, clerk: Actor
) -> None:
    bad_date = row(2, データセット_公開日="平成31年5月1日")
    bad_url = row(3, ファイル_ダウンロードURL="javascript:alert(1)")
    plan = _plan(backend, to_csv([row(1), bad_date, bad_url, row(4)]), clerk)
    assert [r.outcome for r in plan.rows] == ["new", "error", "error", "new"]
    errors = [(i.row, i.column) for i in plan.issues if i.level == "error"]
    assert errors == [(3, "データセット_公開日"), (4, "ファイル_ダウンロードURL")]
    assert "平成" in plan.issues[0].msgid % plan.issues[0].params
    result = _apply(backend, plan, clerk)
    assert len(result.created) == 2
    assert result.skipped_rows == [3, 4]
    assert _count(backend, Dataset) == 2


def test_other_organisations_code_is_refused_for_an_editor(backend: Backend, clerk: Actor) -> None:
    plan = _plan(backend, to_csv([row(1), row(2, code=CHUO), row(3, code="011003")]), clerk)
    assert [r.outcome for r in plan.rows] == ["new", "error", "error"]
    messages = [(i.row, i.column, i.msgid % i.params) for i in plan.issues]
    assert messages[0][:2] == (3, "全国地方公共団体コード")
    assert "選んだ組織" in messages[0][2]
    assert "正しくありません" in messages[1][2]  # 011003: wrong check digit


def test_sysadmin_may_upload_rows_of_other_organisations(backend: Backend) -> None:
    admin = _user(backend, "admin", sysadmin=True)
    plan = _plan(backend, to_csv([row(1), row(2, code="13102")]), admin)  # 5 digits
    assert [r.outcome for r in plan.rows] == ["new", "new"]
    result = _apply(backend, plan, admin)
    with backend.sessions() as session:
        ds = datasets.get_dataset(session, admin, result.created[1][0])
    assert ds.organization.code == CHUO


def test_editor_of_another_organisation_cannot_preview(backend: Backend, clerk: Actor) -> None:
    with pytest.raises(Forbidden):
        _plan(backend, to_csv([row(1, code=CHUO)]), clerk, org=CHUO)


def test_unknown_values_and_columns_are_kept_and_reported(backend: Backend, clerk: Actor) -> None:
    odd = row(1, 庁内管理番号="A-17", ファイル_ライセンス="独自規約", データセット_分類="行政財")
    odd["type"] = "台帳"  # a column named like a dataset field: kept under another key
    headers = [*(h for h in odd if h not in ("庁内管理番号", "type")), "庁内管理番号", "type"]
    plan = _plan(backend, to_csv([odd], headers=headers), clerk)
    warnings = {(i.row, i.column) for i in plan.issues if i.level == "warning"}
    assert warnings == {
        (1, "庁内管理番号"),
        (1, "type"),
        (2, "データセット_分類"),
        (2, "ファイル_ライセンス"),
    }
    result = _apply(backend, plan, clerk)
    with backend.sessions() as session:
        ds = datasets.get_dataset(session, clerk, result.created[0][0])
    assert ds.extras["庁内管理番号"] == "A-17"
    assert ds.extras["列_type"] == "台帳"
    assert ds.extras["remote_categories"] == "行政財"
    assert ds.resources[0].extras["remote_license"] == "独自規約"


def test_apply_is_all_or_nothing_when_a_save_fails(backend: Backend, clerk: Actor) -> None:
    plan = _plan(backend, to_csv([row(1), row(2)]), clerk)
    plan.datasets[1].values["contact_email"] = "not an address"  # fails at the service
    with pytest.raises(Exception, match="not valid"):
        _apply(backend, plan, clerk)
    assert _count(backend, Dataset) == 0


def test_preview_saves_no_tag_even_when_its_session_commits(backend: Backend, clerk: Actor) -> None:
    # The upload pages preview in a read session (on SQLite a write there waits for, then
    # fails on, another writer's lock): the list's new tags must not be inserted by the check.
    before = _count(backend, Tag)
    with backend.sessions() as session:
        plan = service.preview(session, clerk, SAPPORO, parse(to_csv([row(1)], "cp932")))
        session.commit()
    assert [r.outcome for r in plan.rows] == ["new"]
    assert _count(backend, Tag) == before
    result = _apply(backend, plan, clerk)
    with backend.sessions() as session:
        ds = datasets.get_dataset(session, clerk, result.created[0][0])
    assert ds.tags == ["公共", "施設"]
    assert _count(backend, Tag) == before + 2
