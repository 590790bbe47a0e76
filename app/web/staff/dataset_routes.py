"""Staff pages for datasets: create, edit (with the revision check), delete, and the dataset's
state; CKAN's paths (`/dataset/new`, `/dataset/edit/{name}`, `/dataset/delete/{name}`).

Registered before the public `/dataset/{ref}` handlers (app.main), which would otherwise take
`/dataset/new` as a dataset name. Validation and authorisation happen in the service layer;
a refused save is rolled back (the request's transaction would otherwise commit what the
service had already written onto the object) and the form is shown again with what was typed.
Resources: `app.web.staff.resource_routes`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.accounts.actor import Actor
from app.accounts.permissions import DATASET_EDITOR, require_role
from app.api.sessions import SessionDep
from app.datasets import service as datasets
from app.datasets.schemas import DatasetOut
from app.errors import Forbidden, Invalid, PreconditionFailed
from app.web import i18n
from app.web.render import gettext_for
from app.web.staff import dataset_choices as choices
from app.web.staff import dataset_forms as forms
from app.web.staff.auth import SignedInDep
from app.web.staff.dataset_messages import field_labels, visibility_labels
from app.web.staff.pages import render_staff

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> FormData:
    """The posted form, read once (Starlette caches it for the CSRF check too)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def staff_page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A staff page: never cached (it carries the clerk's data), never indexed."""
    return render_staff(request, template, context, status_code=status)


def forbidden(request: Request, session: Session, message: str = "") -> Response:
    session.rollback()
    _ = gettext_for(request)
    context = {"page_title": _("この操作は許可されていません"), "message": message}
    return staff_page(request, "staff/dataset_forbidden.html", context, status=403)


def see_dataset(name: str) -> Response:
    return RedirectResponse(f"/dataset/{name}", status_code=303)


def _form_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    values: forms.FormValues,
    errors: dict[str, str],
    ds: DatasetOut | None = None,
    revision: int | None = None,
    conflict: list[tuple[str, str, str]] | None = None,
    status: int = 200,
) -> Response:
    lang = i18n.choose_lang(request)
    _ = gettext_for(request)
    orgs = choices.editable_orgs(session, actor, lang)
    if ds is not None and values["owner_org"] not in {name for name, _label in orgs}:
        # The dataset's own organisation is always listed (a sysadmin-made move stays visible).
        orgs = [(ds.organization.name, ds.organization.title), *orgs]
    source_fields, kept_fields = forms.harvest_fields(ds) if ds is not None else (set(), set())
    context = {
        "page_title": _("データセットを編集") if ds is not None else _("データセットを登録"),
        "ds": ds,
        "values": values,
        "errors": errors,
        "revision": revision,
        "conflict": conflict,
        "labels": field_labels(_),
        "visibility": [(v, label) for v, label in visibility_labels(_).items()],
        "orgs": orgs,
        "org_datalist": (
            choices.org_datalist(session, lang) if len(orgs) > choices.SELECT_MAX else None
        ),
        "licenses": choices.licenses(session, lang),
        "kinds": choices.standard_kinds(),
        "frequencies": choices.frequencies(lang),
        "categories": choices.categories(session, lang),
        "measure_titles": choices.measure_titles(session),
        "measure_datalist": choices.measure_datalist(session),
        "lg_datalist": choices.lg_datalist(session),
        "source_fields": source_fields,
        "kept_fields": kept_fields,
        "action": f"/dataset/edit/{ds.name}" if ds is not None else "/dataset/new",
    }
    return staff_page(request, "staff/dataset_form.html", context, status)


@router.get("/dataset/new", response_model=None)
def new_dataset(request: Request, session: SessionDep, actor: SignedInDep) -> Response:
    lang = i18n.choose_lang(request)
    orgs = choices.editable_orgs(session, actor, lang)
    if not orgs:
        return forbidden(request, session)
    wanted = request.query_params.get("owner_org", "")
    owner = wanted if wanted in {n for n, _l in orgs} else (orgs[0][0] if len(orgs) == 1 else "")
    return _form_page(request, session, actor, values=forms.empty_values(owner), errors={})


@router.post("/dataset/new", response_model=None)
def create_dataset(
    request: Request, session: SessionDep, actor: SignedInDep, form: FormDep
) -> Response:
    values = forms.read_form(form, with_resource=True)
    data, schema = forms.build_create(forms.to_input(values))
    try:
        out = datasets.create_dataset(session, actor, data)
        if schema:  # the service took the rest: undone, every message shown at once
            raise Invalid("The dataset is not valid", {})
    except Invalid as exc:
        session.rollback()
        fields = forms.merge_errors(schema, exc.fields)
        errors = forms.field_errors(fields, gettext_for(request))
        return _form_page(request, session, actor, values=values, errors=errors, status=422)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return see_dataset(out.name)


def _editable(session: Session, actor: Actor, name: str) -> DatasetOut:
    """The dataset, if `actor` may edit it: NotFound when they cannot see it, Forbidden when
    they can see but not edit it (the service's own rule, asked before showing a form)."""
    ds = datasets.get_dataset(session, actor, name)
    require_role(actor, ds.organization.id, DATASET_EDITOR, f"edit dataset {ds.name}")
    return ds


@router.get("/dataset/edit/{name}", response_model=None)
def edit_dataset(request: Request, session: SessionDep, actor: SignedInDep, name: str) -> Response:
    try:
        ds = _editable(session, actor, name)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    values = forms.values_from_dataset(ds)
    return _form_page(
        request, session, actor, values=values, errors={}, ds=ds, revision=ds.revision
    )


@router.post("/dataset/edit/{name}", response_model=None)
def save_dataset(
    request: Request, session: SessionDep, actor: SignedInDep, name: str, form: FormDep
) -> Response:
    try:
        current = _editable(session, actor, name)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    values = forms.read_form(form, with_resource=False)
    raw_revision = str(form.get("revision") or "")
    revision = int(raw_revision) if raw_revision.isascii() and raw_revision.isdigit() else None
    opened = forms.values_from_dataset(current)
    changed = forms.changed_fields(values, opened)
    if not changed and revision == current.revision:
        return see_dataset(current.name)  # nothing to save: no new revision, no history entry
    data, schema = forms.build_patch(forms.to_input(values, only=changed))
    _ = gettext_for(request)
    try:
        out = datasets.update_dataset(session, actor, name, data, mode="patch", if_match=revision)
        if schema:
            raise Invalid("The dataset is not valid", {})
    except PreconditionFailed:
        # Someone saved since the form was opened: show what differs, keep what was typed,
        # and carry the current revision so that saving again is a deliberate overwrite.
        session.rollback()
        theirs = datasets.get_dataset(session, actor, name)
        rows = forms.conflict_rows(forms.values_from_dataset(theirs), values)
        return _form_page(
            request,
            session,
            actor,
            values=values,
            errors={},
            ds=theirs,
            revision=theirs.revision,
            conflict=rows,
            status=409,
        )
    except Invalid as exc:
        session.rollback()
        errors = forms.field_errors(forms.merge_errors(schema, exc.fields), _)
        ds = datasets.get_dataset(session, actor, name)
        return _form_page(
            request,
            session,
            actor,
            values=values,
            errors=errors,
            ds=ds,
            revision=revision,
            status=422,
        )
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return see_dataset(out.name)


@router.get("/dataset/delete/{name}", response_model=None)
def confirm_delete(
    request: Request, session: SessionDep, actor: SignedInDep, name: str
) -> Response:
    try:
        ds = _editable(session, actor, name)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    _ = gettext_for(request)
    context = {"page_title": _("データセットを削除"), "ds": ds}
    return staff_page(request, "staff/dataset_delete.html", context)


@router.post("/dataset/delete/{name}", response_model=None)
def delete_dataset(
    request: Request, session: SessionDep, actor: SignedInDep, name: str
) -> Response:
    try:
        datasets.delete_dataset(session, actor, name)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return RedirectResponse("/dashboard", status_code=303)
