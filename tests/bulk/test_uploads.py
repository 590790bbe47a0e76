"""Uploads between preview and save: stored per user, previewed and saved by background work."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import func, select

from app.accounts import service as accounts
from app.accounts.actor import SYSTEM, Actor
from app.accounts.schemas import UserCreate
from app.bulk.uploads import UploadStore, run_apply, run_preview
from app.db import session_scope
from app.models import Dataset
from tests.bulk.lists import SAPPORO, row, to_csv
from tests.conftest import Backend


def _clerk(backend: Backend) -> Actor:
    with session_scope(backend.sessions) as session:
        accounts.create_user(session, SYSTEM, UserCreate(name="clerk", password="correct horse"))
        accounts.set_member(session, SYSTEM, SAPPORO, "clerk", "editor")
    with session_scope(backend.sessions) as session:
        return accounts.authenticate_password(session, "clerk", "correct horse")


def _datasets(backend: Backend) -> int:
    with backend.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Dataset)) or 0)


def test_upload_is_bound_to_its_user_and_id(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    upload = store.new("user-1", "list.csv", SAPPORO)
    assert store.load(upload.id, "user-1") is not None
    assert store.load(upload.id, "user-2") is None  # someone else's upload: not found
    assert store.load("../../etc/passwd", "user-1") is None
    assert store.load("0" * 32, "user-1") is None


def test_preview_then_save_in_the_background_functions(backend: Backend, tmp_path: Path) -> None:
    clerk = _clerk(backend)
    assert clerk.user_id is not None
    store = UploadStore(tmp_path)
    upload = store.new(clerk.user_id, "list.csv", SAPPORO)
    with backend.sessions() as session:
        run_preview(store, upload, to_csv([row(n) for n in range(1, 6)]), session, clerk)
    stored = store.load(upload.id, clerk.user_id)
    assert stored is not None and stored.status == "ready"
    assert (stored.done, stored.total) == (5, 5)
    assert stored.plan is not None and stored.plan.count("new") == 5
    assert _datasets(backend) == 0
    # A plan the service refuses at save time: nothing at all is saved, the clerk is told.
    stored.plan.datasets[3].values["contact_email"] = "not an address"
    failed = run_apply(store, stored, backend.sessions, clerk)
    assert failed.status == "ready" and "not valid" in failed.save_error
    assert _datasets(backend) == 0
    stored.plan.datasets[3].values.pop("contact_email")
    saved = run_apply(store, stored, backend.sessions, clerk)
    assert saved.status == "saved" and saved.result is not None
    assert len(saved.result.created) == 5 and _datasets(backend) == 5


def test_a_file_that_is_no_list_fails_with_the_reason(backend: Backend, tmp_path: Path) -> None:
    clerk = _clerk(backend)
    assert clerk.user_id is not None
    store = UploadStore(tmp_path)
    upload = store.new(clerk.user_id, "x.csv", SAPPORO)
    with backend.sessions() as session:
        run_preview(store, upload, "名前,住所\nA,B\n".encode("cp932"), session, clerk)
    stored = store.load(upload.id, clerk.user_id)
    assert stored is not None and stored.status == "failed" and stored.failure is not None
    assert "見出し行" in stored.failure["msgid"]


def test_work_interrupted_by_a_restart_is_reported_not_awaited_forever(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    upload = store.new("user-1", "list.csv", SAPPORO)  # status "parsing", nobody working on it
    path = tmp_path / f"{upload.id}.json"
    old = time.time() - 3600
    os.utime(path, (old, old))
    stored = store.load(upload.id, "user-1")
    assert stored is not None and stored.status == "failed" and stored.failure is not None
    assert "中断" in stored.failure["msgid"]
