"""Uploads between preview and save: files under the var directory, keyed by a random id.

Nothing is written to the datasets before the clerk saves, so the parsed list and its plan
live here: `<dir>/<id>.json` (the upload: owner, organisation, status, progress, the plan, the
result). The id is 128 random bits and the record is bound to the user who uploaded it (another
user's id answers as not found); records expire after `TTL` and are removed by `sweep`.

Preview runs in a background thread (`start_preview`) with its own database session that is
rolled back, so the request thread returns at once and the status page shows progress; the
thread writes the record every `PROGRESS_EVERY` rows (atomic replace: readers never see half).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.actor import Actor
from app.bulk import service
from app.bulk.open_data_list import ListRefused, parse
from app.bulk.plan import ApplyResult, UploadPlan
from app.db import session_scope
from app.errors import AppError

log = logging.getLogger(__name__)

TTL = 24 * 3600  # seconds an upload waits for its save
PROGRESS_EVERY = 250  # rows between progress writes
STALLED = 600  # seconds without a progress write after which the work is taken as interrupted
INTERRUPTED = "処理が中断されました。何も保存していません。もう一度アップロードしてください"
_ID_CHARS = frozenset("0123456789abcdef")

Status = Literal["parsing", "ready", "failed", "saving", "saved", "cancelled"]


class Upload(BaseModel):
    id: str
    user_id: str
    filename: str
    organization: str
    status: Status = "parsing"
    done: int = 0
    total: int = 0
    created: float
    failure: dict[str, Any] | None = None  # {"msgid", "params"}
    save_error: str = ""  # why the last save saved nothing (the service's message)
    plan: UploadPlan | None = None
    result: ApplyResult | None = None


class UploadStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, upload_id: str) -> Path:
        return self.directory / f"{upload_id}.json"

    def new(self, user_id: str, filename: str, organization: str) -> Upload:
        self.directory.mkdir(parents=True, exist_ok=True)
        upload = Upload(
            id=secrets.token_hex(16),
            user_id=user_id,
            filename=filename,
            organization=organization,
            created=time.time(),
        )
        self.save(upload)
        return upload

    def save(self, upload: Upload) -> None:
        path = self._path(upload.id)
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_text(upload.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)

    def load(self, upload_id: str, user_id: str) -> Upload | None:
        """The upload when it exists, belongs to `user_id` and has not expired."""
        if len(upload_id) != 32 or not set(upload_id) <= _ID_CHARS:
            return None
        try:
            raw = json.loads(self._path(upload_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        upload = Upload.model_validate(raw)
        if upload.user_id != user_id or time.time() - upload.created > TTL:
            return None
        idle = time.time() - self._path(upload_id).stat().st_mtime
        if upload.status in ("parsing", "saving") and idle > STALLED:
            # The process doing the work ended (restart, crash): its transaction, if any, was
            # rolled back, so nothing was saved; say so instead of refreshing forever.
            if upload.status == "parsing":
                upload.status = "failed"
                upload.failure = {"msgid": INTERRUPTED, "params": {}}
            else:
                upload.status, upload.save_error = "ready", INTERRUPTED
            self.save(upload)
        return upload

    def sweep(self) -> int:
        """Remove expired uploads; the number removed."""
        removed = 0
        for path in self.directory.glob("*.json"):
            if time.time() - path.stat().st_mtime > TTL:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def run_preview(
    store: UploadStore, upload: Upload, data: bytes, session: Session, actor: Actor
) -> Upload:
    """Parse and preview in `session` (rolled back), writing progress and the plan."""
    try:
        parsed = parse(data)
        upload.total = len(parsed.rows)
        store.save(upload)

        def progress(done: int, total: int) -> None:
            if done - upload.done >= PROGRESS_EVERY or done == total:
                upload.done, upload.total = done, total
                store.save(upload)

        upload.plan = service.preview(session, actor, upload.organization, parsed, progress)
        upload.status = "ready"
    except ListRefused as exc:
        upload.status, upload.failure = "failed", {"msgid": exc.msgid, "params": exc.params}
    except AppError as exc:  # the organisation vanished or the actor lost the role meanwhile
        upload.status = "failed"
        upload.failure = {"msgid": "%(detail)s", "params": {"detail": exc.message}}
    except Exception:  # a bug: logged, and the clerk is told instead of waiting forever
        log.exception("bulk upload preview %s failed", upload.id)
        upload.status = "failed"
        upload.failure = {
            "msgid": "プレビューの作成中に問題が起きました。もう一度お試しください",
            "params": {},
        }
    finally:
        session.rollback()
    store.save(upload)
    return upload


def start_preview(
    store: UploadStore,
    upload: Upload,
    data: bytes,
    sessions: Callable[[], Session],
    actor: Actor,
) -> threading.Thread:
    """Run `run_preview` in a daemon thread with a session of its own."""

    def work() -> None:
        with sessions() as session:
            run_preview(store, upload, data, session, actor)

    thread = threading.Thread(target=work, name=f"bulk-preview-{upload.id[:8]}", daemon=True)
    thread.start()
    return thread


def run_apply(
    store: UploadStore, upload: Upload, sessions: sessionmaker[Session], actor: Actor
) -> Upload:
    """Save the upload's plan in one transaction of its own (commit, or nothing on error)."""
    assert upload.plan is not None
    plan = upload.plan
    upload.done, upload.total = 0, len(plan.datasets)

    def progress(done: int, total: int) -> None:
        if done - upload.done >= PROGRESS_EVERY // 5 or done == total:
            upload.done, upload.total = done, total
            store.save(upload)

    try:
        with session_scope(sessions) as session:
            upload.result = service.apply(session, actor, plan, progress)
        upload.status = "saved"
    except AppError as exc:  # all valid rows or nothing: nothing was saved
        upload.status, upload.save_error = "ready", exc.message
    except Exception:
        log.exception("bulk upload save %s failed", upload.id)
        upload.status = "ready"
        upload.save_error = "保存中に問題が起きました。何も保存していません"
    store.save(upload)
    return upload


def start_apply(
    store: UploadStore, upload: Upload, sessions: sessionmaker[Session], actor: Actor
) -> threading.Thread:
    """Run `run_apply` in a daemon thread: a 10,000-row save must not hold a request."""
    upload.status, upload.save_error, upload.done = "saving", "", 0
    store.save(upload)
    thread = threading.Thread(
        target=run_apply, args=(store, upload, sessions, actor), name="bulk-save", daemon=True
    )
    thread.start()
    return thread
