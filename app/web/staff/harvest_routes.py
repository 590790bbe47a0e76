"""Harvest source pages for staff: list, create/edit, test connection, run now, jobs, reports.

Paths follow ckanext-harvest: `/harvest`, `/harvest/new`, `/harvest/{source}`,
`/harvest/{source}/edit`, `/harvest/{source}/job/{id}`. Who sees and manages what is decided
by `app.harvest.staff` (and again by `app.harvest.service` for writes). Test connection holds
no database session while the remote answers: it reads who is asking and checks the draft in
one short read transaction, fetches, then plans the page in another (`app.harvest.preview`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.service import authenticate_token
from app.api.auth import SessionDep, token_from_headers
from app.db import session_scope
from app.errors import Forbidden, Invalid
from app.harvest import preview as previews
from app.harvest import repository as repo
from app.harvest import service, staff
from app.harvest.schemas import JOB_STATUSES, RECORD_STATUSES, SourceIn, SourceOut, SourcePatch
from app.web.render import gettext_for, url_for_query
from app.web.staff.auth import SignedInDep, SignInRequired, header_actor
from app.web.staff.harvest_form_page import (
    FormDep,
    checked,
    form_page,
    ordered,
    pydantic_form_errors,
    service_errors,
    submitted,
    words,
)
from app.web.staff.harvest_forms import (
    CONFIG_FIELDS,
    TYPES,
    SourceForm,
    config_from,
    empty_form,
    form_from_source,
    message_for,
)
from app.web.staff.harvest_labels import (
    choice_labels,
    labels,
)
from app.web.staff.pages import render_staff

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 5


@router.get("/harvest", response_class=HTMLResponse, response_model=None)
def source_list(request: Request, session: SessionDep, actor: SignedInDep) -> Response:
    _ = gettext_for(request)
    sources = staff.my_sources(session, actor)
    context = {
        **words(request),
        "title": _("ハーベストソース"),
        "sources": sources,
        "may_create": staff.organization_choices(session, actor) != [],
    }
    return render_staff(request, "staff/harvest_list.html", context)


@router.get("/harvest/new", response_class=HTMLResponse, response_model=None)
def new_form(request: Request, session: SessionDep, actor: SignedInDep) -> Response:
    orgs = staff.organization_choices(session, actor)
    if orgs == []:
        raise Forbidden(f"User {actor.name} administers no organisation")
    form = empty_form()
    if orgs:
        form.organization = orgs[0].name
    return form_page(request, session, actor, form, source=None)


@router.post("/harvest/new", response_class=HTMLResponse, response_model=None)
def create(request: Request, session: SessionDep, actor: SignedInDep, data: FormDep) -> Response:
    return _save_new(request, session, actor, submitted(data))


def _save_new(request: Request, session: Session, actor: Actor, form: SourceForm) -> Response:
    values, errors = checked(request, form, None)
    if errors:  # the service's own checks too, so every mistake is named at once
        early = service.field_errors(form.name, form.url, values["schedule"] or None)
        errors = (
            {**service_errors(request, Invalid("", early), form), **errors} if early else errors
        )
    data: SourceIn | None = None
    if not errors:
        try:
            data = SourceIn.model_validate({**values, "name": form.name, "type": form.type})
        except ValueError as exc:
            errors = pydantic_form_errors(request, exc)
    if data is not None:
        try:
            with session.begin_nested():
                out = service.create_source(session, actor, data)
            return RedirectResponse(f"/harvest/{out.name}", status_code=303)
        except Invalid as exc:
            errors = service_errors(request, exc, form)
    return form_page(
        request, session, actor, form, source=None, errors=ordered(errors), status_code=422
    )


@router.get("/harvest/{ref}", response_class=HTMLResponse, response_model=None)
def source_page(request: Request, session: SessionDep, actor: SignedInDep, ref: str) -> Response:
    return _source_page(request, session, actor, ref, None)


def _source_page(
    request: Request,
    session: Session,
    actor: Actor,
    ref: str,
    preview: previews.Preview | None,
) -> Response:
    source, may_manage = staff.source_view(session, actor, ref)
    jobs = staff.source_jobs(session, actor, source.name)
    context = {
        **words(request),
        "title": source.title or source.name,
        "source": source,
        "may_manage": may_manage,
        "jobs": jobs,
        "active_job": next((j for j in jobs if j.status in ("queued", "running")), None),
        "preview": preview,
        "config_items": _config_items(request, source),
    }
    return render_staff(request, "staff/harvest_source.html", context)


def _config_items(request: Request, source: SourceOut) -> list[tuple[str, str]]:
    """The options that differ from the defaults, labelled, for the source page."""
    _ = gettext_for(request)
    names, choices = labels(_), choice_labels(_)
    shown = source.config.model_dump(exclude_defaults=True)
    items = []
    for f in CONFIG_FIELDS:
        if f.key not in shown:
            continue
        value = shown[f.key]
        if isinstance(value, bool):
            text = choices["yes" if value else "no"]
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = choices.get(str(value), str(value))
        items.append((names[f.key], text))
    return items


@router.get("/harvest/{ref}/edit", response_class=HTMLResponse, response_model=None)
def edit_form(request: Request, session: SessionDep, actor: SignedInDep, ref: str) -> Response:
    source = staff.require_manage(session, actor, ref)
    return form_page(request, session, actor, form_from_source(source), source=source)


@router.post("/harvest/{ref}/edit", response_class=HTMLResponse, response_model=None)
def update(
    request: Request, session: SessionDep, actor: SignedInDep, ref: str, data: FormDep
) -> Response:
    source = staff.require_manage(session, actor, ref)
    form = submitted(data)
    form.name, form.type = source.name, source.type
    values, errors = checked(request, form, source.schedule)
    if errors:
        early = service.field_errors(None, form.url, values["schedule"] or None)
        errors = (
            {**service_errors(request, Invalid("", early), form), **errors} if early else errors
        )
    if not errors:
        try:
            patch = SourcePatch.model_validate(values)
            with session.begin_nested():
                service.update_source(session, actor, source.name, patch)
            return RedirectResponse(f"/harvest/{source.name}", status_code=303)
        except Invalid as exc:
            errors = service_errors(request, exc, form)
        except ValueError as exc:
            errors = pydantic_form_errors(request, exc)
    return form_page(
        request, session, actor, form, source=source, errors=ordered(errors), status_code=422
    )


@router.post("/harvest/{ref}/run", response_model=None)
def run_now(request: Request, session: SessionDep, actor: SignedInDep, ref: str) -> Response:
    """Queue a job the way the API does; the worker (or the scheduler thread) runs it."""
    source = staff.require_manage(session, actor, ref)
    job = service.request_job(session, actor, source.name, trigger="manual")
    return RedirectResponse(f"/harvest/{source.name}/job/{job.id}", status_code=303)


@router.get("/harvest/{ref}/job/{job_id}", response_class=HTMLResponse, response_model=None)
def job_page(
    request: Request, session: SessionDep, actor: SignedInDep, ref: str, job_id: str
) -> Response:
    _ = gettext_for(request)
    qp = request.query_params
    status = qp.get("status", "")
    status = status if status in RECORD_STATUSES else ""
    raw_page = qp.get("page", "1")
    page_no = max(1, int(raw_page)) if raw_page.isascii() and raw_page.isdigit() else 1
    page_no = min(page_no, 1_000_000)
    source, _may = staff.source_view(session, actor, ref)
    report = staff.job_view(session, actor, ref, job_id, status or None, page_no)
    last_page = max(1, -(-report.total // staff.REPORT_PAGE))
    base = f"/harvest/{source.name}/job/{job_id}"
    running = report.job.status in ("queued", "running")
    # While the job is queued or running, static/auto-refresh.js reloads the page every
    # REFRESH_SECONDS with a stop button (WCAG 2.2.1); without JavaScript, a plain link.
    context = {
        **words(request),
        "title": _("ハーベストジョブの結果"),
        "source": source,
        "report": report,
        "status": status,
        "statuses": RECORD_STATUSES,
        "job_statuses": JOB_STATUSES,
        "page_no": page_no,
        "last_page": last_page,
        "running": running,
        "refresh": REFRESH_SECONDS,
        "reload_url": url_for_query(
            base, [("status", status), ("page", str(page_no) if page_no > 1 else "")]
        ),
        "status_url": lambda s: url_for_query(base, [("status", s)]),
        "page_url": lambda n: url_for_query(
            base, [("status", status), ("page", str(n) if n > 1 else "")]
        ),
    }
    return render_staff(request, "staff/harvest_job.html", context)


# Test connection: no request session while the remote answers (see the module docstring).


def _signed_in(request: Request) -> Actor:
    """The signed-in actor (session cookie, else an API token header) in a short read."""
    actor = header_actor(request)
    if actor is None and token_from_headers(request) is not None:
        with _reads(request)() as session:
            actor = authenticate_token(session, token_from_headers(request))
    if actor is None or not actor.authenticated:
        raise SignInRequired(request.url.path)
    return actor


def _reads(request: Request) -> Callable[[], Any]:
    db = request.app.state.db
    return lambda: session_scope(db.read_sessions)


def _tested(
    request: Request, actor: Actor, form: SourceForm, source_ref: str | None
) -> tuple[previews.Preview | None, dict[str, str]]:
    """Check the typed source, fetch its first page, plan it; (preview, form errors)."""
    _ = gettext_for(request)
    config, config_errors = config_from(form)
    errors = {k: message_for(k, v[0], labels(_).get(k, k), _) for k, v in config_errors.items()}
    if not form.url:
        errors["url"] = _("URLを入力してください。")
    if form.type not in TYPES:
        errors["type"] = _("種類を選んでください。")
    if errors or config is None:
        return None, errors
    reads = _reads(request)
    try:
        with reads() as session:
            draft = staff.draft(
                session,
                actor,
                type=form.type,
                url=form.url,
                organization=form.organization,
                config=config,
                source_ref=source_ref,
            )
            licence_uris = repo.license_uris(session)
    except Invalid as exc:
        return None, service_errors(request, exc, form)
    page, total, error = previews.fetch_page(request.app.state.settings, draft, licence_uris)
    if error is not None:
        return previews.Preview(url=draft.url, error=error), {}
    with reads() as session:
        return previews.plan(session, actor, draft, page, total), {}


@router.post("/harvest/new/test", response_class=HTMLResponse, response_model=None)
def test_new(request: Request, data: FormDep) -> Response:
    return _test_form(request, _signed_in(request), submitted(data), None)


@router.post("/harvest/{ref}/edit/test", response_class=HTMLResponse, response_model=None)
def test_edit(request: Request, ref: str, data: FormDep) -> Response:
    return _test_form(request, _signed_in(request), submitted(data), ref)


@router.post("/harvest/{ref}/test", response_class=HTMLResponse, response_model=None)
def test_saved(request: Request, ref: str) -> Response:
    return _test_saved(request, _signed_in(request), ref)


def _test_form(request: Request, actor: Actor, form: SourceForm, ref: str | None) -> Response:
    with _reads(request)() as session:
        source = staff.require_manage(session, actor, ref) if ref else None
        if source is not None:
            form.name, form.type = source.name, source.type
    preview, errors = _tested(request, actor, form, ref)
    with _reads(request)() as session:
        status = 422 if errors else 200
        return form_page(
            request,
            session,
            actor,
            form,
            source=source,
            errors=ordered(errors),
            preview=preview,
            status_code=status,
        )


def _test_saved(request: Request, actor: Actor, ref: str) -> Response:
    with _reads(request)() as session:
        source = staff.require_manage(session, actor, ref)
    form = form_from_source(source)
    preview, errors = _tested(request, actor, form, ref)
    if errors:  # the stored source no longer passes the checks: say so on the page
        message = "; ".join(errors.values())
        preview = previews.Preview(url=source.url, error=message)
    with _reads(request)() as session:
        return _source_page(request, session, actor, ref, preview)
