"""The harvest source form page: its choices, the typed values checked by the schemas and the
service, errors worded for the reader in the order of the fields, and shared page words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.accounts.actor import Actor
from app.errors import Invalid
from app.harvest import preview as previews
from app.harvest import staff
from app.harvest.schemas import SourceOut
from app.models import Category, License
from app.web import i18n
from app.web.render import env, gettext_for
from app.web.staff.harvest_forms import (
    CONFIG_FIELDS,
    TYPES,
    SourceForm,
    config_from,
    form_from_fields,
    message_for,
    pydantic_errors,
)
from app.web.staff.harvest_labels import (
    choice_labels,
    group_legends,
    hints,
    labels,
    schedule_kind_labels,
    status_labels,
    type_labels,
)
from app.web.staff.harvest_schedule import describe, expression_from, weekday_names
from app.web.staff.pages import render_staff

JST = ZoneInfo("Asia/Tokyo")


def jst(value: datetime | None) -> str:
    """A stored naive-UTC time as Japan time, to the minute (schedules are in Japan time)."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(JST).strftime("%Y-%m-%d %H:%M")


env.filters["jst"] = jst


def words(request: Request) -> dict[str, Any]:
    _ = gettext_for(request)
    return {
        "labels": labels(_),
        "hints": hints(_),
        "type_labels": type_labels(_),
        "choice_labels": choice_labels(_),
        "status_labels": status_labels(_),
        "schedule_words": lambda s: describe(s.schedule, s.active, _),
    }


def choices_for(
    request: Request, session: Session, actor: Actor
) -> tuple[dict[str, list[tuple[str, str]]], list[staff.OrgChoice] | None]:
    """(field id -> (value, label) choices, the organisations offered; None: any)."""
    _ = gettext_for(request)
    en = i18n.choose_lang(request) == "en"
    choices, types = choice_labels(_), type_labels(_)
    orgs = staff.organization_choices(session, actor)
    categories = session.scalars(select(Category).order_by(Category.position))
    licences = session.scalars(select(License).order_by(License.position))
    options: dict[str, list[tuple[str, str]]] = {
        "type": [(t, types[t]) for t in TYPES],
        "organization": [
            (o.name, (o.title_en if en and o.title_en else o.title)) for o in orgs or []
        ],
        "schedule_kind": list(schedule_kind_labels(_).items()),
        "schedule_weekday": [(str(n), day) for n, day in enumerate(weekday_names(_))],
        "default_categories": [
            (c.name, c.title_en if en and c.title_en else c.title) for c in categories
        ],
        "default_license": [("", choices[""])]
        + [(lic.id, lic.title_en if en and lic.title_en else lic.title) for lic in licences],
    }
    for f in CONFIG_FIELDS:
        if f.kind == "bool":
            options[f.key] = [("yes", choices["yes"]), ("no", choices["no"])]
        elif f.kind == "tristate":
            options[f.key] = [("", choices[""]), ("yes", choices["yes"]), ("no", choices["no"])]
        elif f.kind == "choice":
            blank = [("", choices[""])] if f.key == "format" else []
            options[f.key] = blank + [(c, choices.get(c, c)) for c in f.choices]
    return options, orgs


def form_page(
    request: Request,
    session: Session,
    actor: Actor,
    form: SourceForm,
    *,
    source: SourceOut | None,
    errors: dict[str, str] | None = None,
    preview: previews.Preview | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(request)
    options, orgs = choices_for(request, session, actor)
    title = (
        _("ハーベストソースの編集: %(name)s") % {"name": source.name}
        if source
        else _("ハーベストソースの登録")
    )
    context = {
        **words(request),
        "title": title,
        "form": form,
        "source": source,
        "errors": errors or {},
        "preview": preview,
        "orgs": orgs,
        "options": options,
        "fields": CONFIG_FIELDS,
        "legends": group_legends(_),
        "action": f"/harvest/{source.name}/edit" if source else "/harvest/new",
    }
    return render_staff(request, "staff/harvest_form.html", context, status_code=status_code)


async def form_data(request: Request) -> FormData:
    """The posted form, read in the event loop so that the handlers can be plain functions
    (run in the thread pool: their database and network calls never block the loop)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def submitted(form_data: FormData) -> SourceForm:
    values = {k: str(v) for k, v in form_data.items()}
    lists = {k: [str(v) for v in form_data.getlist(k)] for k in form_data}
    return form_from_fields(values, lists)


def checked(
    request: Request, form: SourceForm, stored: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values for SourceIn/SourcePatch, field id -> message) from the schemas' checks."""
    _ = gettext_for(request)
    names = labels(_)
    expression, active, errors = expression_from(form.schedule, _, stored)
    config, config_errors = config_from(form)
    for key, messages in config_errors.items():
        errors.setdefault(key, message_for(key, messages[0], names.get(key, key), _))
    values: dict[str, Any] = {
        "title": form.title,
        "url": form.url,
        "organization": form.organization,
        "schedule": expression or "",
        "active": active,
        "config": config,
    }
    return values, errors


FIELD_ORDER = (
    "name", "type", "title", "url", "organization", "schedule_kind", "schedule_time",
    "schedule_weekday", "schedule_day", "schedule_cron", *(f.key for f in CONFIG_FIELDS),
)  # fmt: skip


def ordered(errors: dict[str, str]) -> dict[str, str]:
    """Errors in the order of the fields on the page (the summary reads top to bottom)."""
    rank = {key: n for n, key in enumerate(FIELD_ORDER)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


def service_errors(request: Request, exc: Invalid, form: SourceForm) -> dict[str, str]:
    _ = gettext_for(request)
    names = labels(_)
    errors: dict[str, str] = {}
    for key, messages in exc.fields.items():
        target = key
        if key == "schedule":
            target = "schedule_cron" if form.schedule.kind == "advanced" else "schedule_kind"
        errors.setdefault(target, message_for(key, messages[0], names.get(key, key), _))
    if not errors:
        errors["form"] = exc.message
    return errors


def pydantic_form_errors(request: Request, exc: Any) -> dict[str, str]:
    _ = gettext_for(request)
    names = labels(_)
    return {k: message_for(k, v[0], names.get(k, k), _) for k, v in pydantic_errors(exc).items()}
