"""Staff pages for a dataset's resources: add, edit, delete (with a confirmation page) and
reorder (up/down buttons that post the new order; no script needed).

Paths: `/dataset/{name}/resource/new`, `/dataset/{name}/resource/{id}/edit|delete|move`
(registered before the public `/dataset/{ref}/resource/{id}` page). The service layer
(`app.datasets.resources`) validates and authorises; errors come back as `Invalid.fields`
keyed by the resource's field names, which are also the form's field ids.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.api.sessions import SessionDep
from app.datasets import resources
from app.datasets import service as datasets
from app.datasets.schemas import DatasetOut, DatasetPatch, ResourceIn, ResourceOut
from app.errors import Forbidden, Invalid, NotFound, PreconditionFailed
from app.web import i18n
from app.web.render import gettext_for
from app.web.staff import dataset_choices as choices
from app.web.staff.auth import SignedInDep
from app.web.staff.dataset_messages import schema_errors, translate
from app.web.staff.dataset_routes import FormDep, _editable, forbidden, staff_page

router = APIRouter(include_in_schema=False)
FIELDS = ("url", "name", "description", "format", "mimetype", "license_id")


def _resource(ds: DatasetOut, resource_id: str) -> ResourceOut:
    for res in ds.resources:
        if res.id == resource_id:
            return res
    raise NotFound(f"Resource {resource_id!r} not found")


def _page(
    request: Request,
    session: Session,
    ds: DatasetOut,
    values: dict[str, str],
    errors: dict[str, str],
    res: ResourceOut | None = None,
    status: int = 200,
) -> Response:
    _ = gettext_for(request)
    lang = i18n.choose_lang(request)
    context: dict[str, Any] = {
        "page_title": _("リソースを編集") if res is not None else _("リソースを追加"),
        "ds": ds,
        "res": res,
        "values": values,
        "errors": errors,
        "licenses": choices.licenses(session, lang),
        "action": (
            f"/dataset/{ds.name}/resource/{res.id}/edit"
            if res is not None
            else f"/dataset/{ds.name}/resource/new"
        ),
    }
    return staff_page(request, "staff/resource_form.html", context, status)


def _typed(form: Any) -> dict[str, str]:
    return {key: str(form.get(key) or "") for key in FIELDS}


def _input(values: dict[str, str]) -> ResourceIn | dict[str, list[str]]:
    body: dict[str, str | None] = {key: value.strip() for key, value in values.items()}
    body["license_id"] = body["license_id"] or None  # "" is "same as the dataset"
    try:
        return ResourceIn.model_validate(body)
    except ValidationError as exc:
        return schema_errors(exc)


def _errors(request: Request, fields: dict[str, list[str]]) -> dict[str, str]:
    _ = gettext_for(request)
    order = {key: i for i, key in enumerate(FIELDS)}
    keys = sorted(fields, key=lambda k: order.get(k, len(order)))
    return {key: " ".join(translate(m, _) for m in fields[key]) for key in keys}


def _back(ds_name: str) -> Response:
    return RedirectResponse(f"/dataset/edit/{ds_name}#resources", status_code=303)


@router.get("/dataset/{name}/resource/new", response_model=None)
def new_resource(request: Request, session: SessionDep, actor: SignedInDep, name: str) -> Response:
    try:
        ds = _editable(session, actor, name)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return _page(request, session, ds, dict.fromkeys(FIELDS, ""), {})


@router.post("/dataset/{name}/resource/new", response_model=None)
def add_resource(
    request: Request, session: SessionDep, actor: SignedInDep, name: str, form: FormDep
) -> Response:
    values = _typed(form)
    try:
        ds = _editable(session, actor, name)
        data = _input(values)
        if isinstance(data, dict):
            raise Invalid("The resource is not valid", data)
        resources.create_resource(session, actor, ds.id, data)
    except Invalid as exc:
        session.rollback()
        ds = datasets.get_dataset(session, actor, name)
        return _page(request, session, ds, values, _errors(request, exc.fields), status=422)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return _back(ds.name)


def _of(
    session: Session, actor: Actor, name: str, resource_id: str
) -> tuple[DatasetOut, ResourceOut]:
    ds = _editable(session, actor, name)
    return ds, _resource(ds, resource_id)


@router.get("/dataset/{name}/resource/{resource_id}/edit", response_model=None)
def edit_resource(
    request: Request, session: SessionDep, actor: SignedInDep, name: str, resource_id: str
) -> Response:
    try:
        ds, res = _of(session, actor, name, resource_id)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    values = {key: str(getattr(res, key) or "") for key in FIELDS}
    return _page(request, session, ds, values, {}, res)


@router.post("/dataset/{name}/resource/{resource_id}/edit", response_model=None)
def save_resource(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    resource_id: str,
    form: FormDep,
) -> Response:
    values = _typed(form)
    try:
        ds, res = _of(session, actor, name, resource_id)
        data = _input(values)
        if isinstance(data, dict):
            raise Invalid("The resource is not valid", data)
        # ResourceIn replaces the form's fields; the ones the form does not show are kept.
        kept = res.model_dump(include={"download_url", "size", "hash", "language", "extras"})
        full = ResourceIn.model_validate({**kept, **data.model_dump(include=set(FIELDS))})
        resources.update_resource(session, actor, resource_id, full)
    except Invalid as exc:
        session.rollback()
        ds, res = _of(session, actor, name, resource_id)
        return _page(request, session, ds, values, _errors(request, exc.fields), res, 422)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return _back(ds.name)


@router.get("/dataset/{name}/resource/{resource_id}/delete", response_model=None)
def confirm_delete_resource(
    request: Request, session: SessionDep, actor: SignedInDep, name: str, resource_id: str
) -> Response:
    try:
        ds, res = _of(session, actor, name, resource_id)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    _ = gettext_for(request)
    context = {"page_title": _("リソースを削除"), "ds": ds, "res": res}
    return staff_page(request, "staff/resource_delete.html", context)


@router.post("/dataset/{name}/resource/{resource_id}/delete", response_model=None)
def delete_resource(
    request: Request, session: SessionDep, actor: SignedInDep, name: str, resource_id: str
) -> Response:
    try:
        ds, _res = _of(session, actor, name, resource_id)
        resources.delete_resource(session, actor, resource_id)
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return _back(ds.name)


def _as_input(res: ResourceOut) -> ResourceIn:
    return ResourceIn.model_validate(res.model_dump(include=set(ResourceIn.model_fields)))


@router.post("/dataset/{name}/resource/{resource_id}/move", response_model=None)
def move_resource(
    request: Request,
    session: SessionDep,
    actor: SignedInDep,
    name: str,
    resource_id: str,
    form: FormDep,
) -> Response:
    """Move one place `up` or `down`: the whole order is saved as a patch of `resources`,
    checked against the revision the page showed (a concurrent change is not reordered)."""
    direction = str(form.get("direction") or "")
    raw_revision = str(form.get("revision") or "")
    try:
        ds = _editable(session, actor, name)
        order = list(ds.resources)
        index = next(i for i, r in enumerate(order) if r.id == _resource(ds, resource_id).id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            patch = DatasetPatch(resources=[_as_input(r) for r in order])
            ascii_digits = raw_revision.isascii() and raw_revision.isdigit()
            revision = int(raw_revision) if ascii_digits else None
            datasets.update_dataset(session, actor, ds.id, patch, mode="patch", if_match=revision)
    except PreconditionFailed:
        session.rollback()  # the page was stale: show the current order, nothing moved
    except Forbidden as exc:
        return forbidden(request, session, exc.message)
    return _back(ds.name)
