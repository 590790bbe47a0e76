"""Bulk upload of an オープンデータ一覧: form, progress, preview, save, result (CKAN's path).

`/dataset/upload` (form) -> POST -> `/dataset/upload/{id}` (progress while the background
thread previews, refreshing itself without JavaScript; then the preview) -> POST `…/save`
(all valid rows in this request's one transaction, or nothing) -> `…/result`. The preview is
kept server-side (app.bulk.uploads); the save form posts only the id and the CSRF token.
Registered before the dataset pages, whose `/dataset/{ref}` would otherwise take "upload".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from app.accounts.actor import Actor
from app.api.auth import SessionDep
from app.bulk.open_data_list import MAX_BYTES, ListRefused, sniff
from app.bulk.rows import field_column
from app.bulk.template import template_csv, template_xlsx
from app.bulk.uploads import Upload, UploadStore, start_apply, start_preview
from app.models import Organization
from app.web.render import gettext_for
from app.web.staff.auth import SignedInDep
from app.web.staff.pages import render_staff

router = APIRouter(include_in_schema=False)

PER_PAGE = 200
OUTCOMES = ("new", "update", "unchanged", "error")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _store(request: Request) -> UploadStore:
    return UploadStore(Path(request.app.state.settings.bulk_upload_dir))


def _organizations(session: Any, actor: Actor) -> list[tuple[str, str]]:
    """(name, title) of the organisations the actor may upload into: editor or admin there;
    every organisation for a sysadmin."""
    stmt = select(Organization.name, Organization.title).order_by(Organization.name)
    if not actor.sysadmin:
        ids = [org_id for org_id in actor.roles if actor.has_role(org_id, "editor")]
        stmt = stmt.where(Organization.id.in_(ids))
    return [(name, f"{title}（{name}）") for name, title in session.execute(stmt)]


def _form(
    request: Request,
    session: Any,
    actor: Actor,
    *,
    organization: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(request)
    options = _organizations(session, actor)
    if not organization and len(options) == 1:
        organization = options[0][0]
    context = {
        "title": _("オープンデータ一覧の一括登録"),
        "errors": errors or {},
        "options": options,
        "organization": organization,
        "max_mb": MAX_BYTES // 1048576,
    }
    return render_staff(request, "staff/upload_form.html", context, status_code=status_code)


@router.get("/dataset/upload/template.csv")
def template_as_csv() -> Response:
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="open_data_list_template.csv"'},
    )


@router.get("/dataset/upload/template.xlsx")
def template_as_xlsx() -> Response:
    return Response(
        template_xlsx(),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="open_data_list_template.xlsx"'},
    )


@router.get("/dataset/upload")
def upload_form(request: Request, session: SessionDep, actor: SignedInDep) -> Response:
    return _form(request, session, actor)


@router.post("/dataset/upload")
def upload(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    organization: str = Form(""),
    file: UploadFile | None = File(None),
) -> Response:
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    names = {name for name, _title in _organizations(session, actor)}
    if organization not in names:
        errors["organization"] = _("登録先の組織を選んでください")
    data = b""
    if file is None or not file.filename:
        errors["file"] = _("アップロードするファイルを選んでください（CSV または XLSX）")
    else:
        data = file.file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            errors["file"] = _(
                "ファイルが大きすぎます。%(limit)s MB 以下に分けてアップロードしてください"
            ) % {"limit": MAX_BYTES // 1048576}
            return _form(
                request, session, actor, organization=organization, errors=errors, status_code=413
            )
        try:
            sniff(data)
        except ListRefused as exc:
            errors["file"] = _(exc.msgid) % exc.params if exc.params else _(exc.msgid)
    if errors:
        return _form(
            request, session, actor, organization=organization, errors=errors, status_code=400
        )
    assert file is not None and file.filename and actor.user_id is not None
    store = _store(request)
    store.sweep()
    job = store.new(actor.user_id, file.filename, organization)
    start_preview(store, job, data, request.app.state.db.read_sessions, actor)
    return RedirectResponse(f"/dataset/upload/{job.id}", status_code=303)


def _load(request: Request, actor: Actor, upload_id: str) -> Upload:
    job = _store(request).load(upload_id, actor.user_id or "")
    if job is None:
        from app.errors import NotFound

        raise NotFound("This upload does not exist or has expired: upload the file again")
    return job


def _message(request: Request, msgid: str, params: dict[str, str]) -> str:
    _ = gettext_for(request)
    return str(_(msgid) % params) if params else str(_(msgid))


def _preview_context(request: Request, job: Upload) -> dict[str, Any]:
    plan = job.plan
    assert plan is not None
    outcome = request.query_params.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    raw_page = request.query_params.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isascii() and raw_page.isdigit() else 1
    rows = [r for r in plan.rows if not outcome or r.outcome == outcome]
    shown_rows = {r.row for r in rows}
    issues = [
        {
            "row": i.row,
            "column": i.column,
            "level": i.level,
            "message": _message(request, i.msgid, i.params),
        }
        for i in plan.issues
        if not outcome or i.row in shown_rows or (i.row == 1 and outcome != "error")
    ]
    _ = gettext_for(request)
    changes = {
        index: list(dict.fromkeys(_(field_column(c)) for c in d.changes))
        for index, d in enumerate(plan.datasets)
    }
    valid = [d for d in plan.datasets if d.outcome in ("new", "update")]
    return {
        "job": job,
        "plan": plan,
        "outcome": outcome,
        "counts": {o: plan.count(o) for o in OUTCOMES},
        "rows": rows[(page - 1) * PER_PAGE : page * PER_PAGE],
        "changes": changes,
        "issues": issues,
        "page": page,
        "pages": max(1, -(-len(rows) // PER_PAGE)),
        "to_save": len(valid),
        "to_save_rows": sum(len(d.rows) for d in valid),
    }


@router.get("/dataset/upload/{upload_id}")
def upload_status(request: Request, actor: SignedInDep, upload_id: str) -> Response:
    _ = gettext_for(request)
    job = _load(request, actor, upload_id)
    if job.status == "saved":
        return RedirectResponse(f"/dataset/upload/{job.id}/result", status_code=303)
    if job.status in ("parsing", "saving", "failed", "cancelled"):
        failure = job.failure or {}
        titles = {
            "parsing": _("アップロードしたファイルを確認しています"),
            "saving": _("保存しています"),
            "failed": _("このファイルは登録できません"),
            "cancelled": _("取り消しました"),
        }
        context = {
            "title": titles[job.status],
            "job": job,
            "failure": _message(request, failure["msgid"], failure.get("params") or {})
            if failure
            else "",
        }
        # A file refused after parsing (too many rows, unreadable workbook): a 4xx, as the form's.
        status = 422 if job.status == "failed" else 200
        return render_staff(request, "staff/upload_progress.html", context, status_code=status)
    context = {
        "title": _("登録内容の確認"),
        **_preview_context(request, job),
        "save_error": job.save_error,
    }
    return render_staff(request, "staff/upload_preview.html", context)


@router.post("/dataset/upload/{upload_id}/save")
def upload_save(request: Request, actor: SignedInDep, upload_id: str) -> Response:
    """Starts the save in a background thread (one transaction: all valid rows or nothing);
    the status page shows its progress, then the result."""
    store = _store(request)
    job = _load(request, actor, upload_id)
    if job.status == "ready" and job.plan is not None:
        start_apply(store, job, request.app.state.db.write_sessions, actor)
    return RedirectResponse(f"/dataset/upload/{job.id}", status_code=303)


@router.post("/dataset/upload/{upload_id}/cancel")
def upload_cancel(request: Request, actor: SignedInDep, upload_id: str) -> Response:
    store = _store(request)
    job = _load(request, actor, upload_id)
    if job.status == "ready":
        job.status, job.plan = "cancelled", None
        store.save(job)
    return RedirectResponse("/dataset/upload", status_code=303)


@router.get("/dataset/upload/{upload_id}/result")
def upload_result(request: Request, actor: SignedInDep, upload_id: str) -> Response:
    _ = gettext_for(request)
    job = _load(request, actor, upload_id)
    if job.result is None:
        return RedirectResponse(f"/dataset/upload/{job.id}", status_code=303)
    context = {"title": _("一括登録の結果"), "job": job, "result": job.result}
    return render_staff(request, "staff/upload_result.html", context)
