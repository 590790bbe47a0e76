"""The harvest source form: every field as typed (kept on errors), to and from the service's input.

Every `SourceConfig` option is its own form field (`CONFIG_FIELDS`), named as the option is.
Validation is the schemas' and the service's (`SourceIn`/`SourcePatch`/`SourceConfig`, then
`app.harvest.service`): their errors are mapped to the form's field ids and worded for the
reader (`message_for`), the English original kept where no wording fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.harvest.schemas import SourceConfig, SourceOut
from app.web.staff.harvest_schedule import ScheduleForm, form_from

Gettext = Callable[[str], str]
TYPES = ("ckan", "dcat", "catalog")
LIST_SPLIT = re.compile(r"[,\s、，]+")
DCAT_FORMATS = ("turtle", "xml", "json-ld", "nt")


@dataclass(frozen=True)
class ConfigField:
    key: str
    kind: str  # text, list, int, float, bool, tristate, choice, categories, license
    group: str  # ckan, dcat, owner, deletion, network
    choices: tuple[str, ...] = ()


CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField("organizations", "list", "ckan"),
    ConfigField("organizations_exclude", "list", "ckan"),
    ConfigField("groups", "list", "ckan"),
    ConfigField("groups_exclude", "list", "ckan"),
    ConfigField("rows", "int", "ckan"),
    ConfigField("incremental", "bool", "ckan"),
    ConfigField("full_every_days", "int", "ckan"),
    ConfigField("incremental_overlap_minutes", "int", "ckan"),
    ConfigField("detect_deletions", "bool", "ckan"),
    ConfigField("timezone", "text", "ckan"),
    ConfigField("resource_timezone", "text", "ckan"),
    ConfigField("format", "choice", "dcat", DCAT_FORMATS),
    ConfigField("remote_organizations", "tristate", "owner"),
    ConfigField("outside_organizations", "choice", "owner", ("fallback", "refuse")),
    ConfigField("default_tags", "list", "owner"),
    ConfigField("default_categories", "categories", "owner"),
    ConfigField("default_license", "license", "owner"),
    ConfigField("delete_policy", "choice", "deletion", ("withdraw", "keep")),
    ConfigField("delete_threshold", "float", "deletion"),
    ConfigField("timeout", "float", "network"),
    ConfigField("max_page_mb", "int", "network"),
    ConfigField("retries", "int", "network"),
    ConfigField("max_pages", "int", "network"),
)
BY_KEY = {f.key: f for f in CONFIG_FIELDS}


@dataclass
class SourceForm:
    """What the form shows: strings as typed (lists for the category checkboxes)."""

    name: str = ""
    title: str = ""
    type: str = "ckan"
    url: str = ""
    organization: str = ""
    schedule: ScheduleForm = field(default_factory=ScheduleForm)
    config: dict[str, Any] = field(default_factory=dict)


def _shown(value: Any, kind: str) -> Any:
    if kind in ("bool", "tristate"):
        return "" if value is None else ("yes" if value else "no")
    if kind == "list":
        return ", ".join(value)
    if kind == "categories":
        return list(value)
    if kind == "float":
        return f"{value:g}"
    return "" if value is None else str(value)


def config_shown(config: SourceConfig) -> dict[str, Any]:
    return {f.key: _shown(getattr(config, f.key), f.kind) for f in CONFIG_FIELDS}


def empty_form() -> SourceForm:
    return SourceForm(config=config_shown(SourceConfig()))


def form_from_source(source: SourceOut) -> SourceForm:
    return SourceForm(
        name=source.name,
        title=source.title,
        type=source.type,
        url=source.url,
        organization=source.organization,
        schedule=form_from(source.schedule, source.active),
        config=config_shown(source.config),
    )


def form_from_fields(values: Mapping[str, str], lists: Mapping[str, list[str]]) -> SourceForm:
    """The form as submitted (`values`: last value of each field; `lists`: every value)."""
    config: dict[str, Any] = {}
    for f in CONFIG_FIELDS:
        config[f.key] = lists.get(f.key, []) if f.kind == "categories" else values.get(f.key, "")
    return SourceForm(
        name=values.get("name", "").strip(),
        title=values.get("title", ""),
        type=values.get("type", ""),
        url=values.get("url", "").strip(),
        organization=values.get("organization", "").strip(),
        schedule=ScheduleForm(
            kind=values.get("schedule_kind", ""),
            time=values.get("schedule_time", ""),
            weekday=values.get("schedule_weekday", ""),
            day=values.get("schedule_day", ""),
            cron=values.get("schedule_cron", ""),
        ),
        config=config,
    )


def _parsed(f: ConfigField, raw: Any) -> Any:
    """The raw value for pydantic, or None to leave the option at its default."""
    if f.kind == "categories":
        return list(raw) or None
    text = str(raw).strip()
    if not text:
        return None
    if f.kind == "list":
        return [v for v in LIST_SPLIT.split(text) if v]
    if f.kind in ("bool", "tristate"):
        return {"yes": True, "no": False}.get(text, text)
    return text  # numbers, zones and choices: pydantic reads and checks them


def config_from(form: SourceForm) -> tuple[SourceConfig | None, dict[str, list[str]]]:
    """(the config, or None with field key -> [error messages] from SourceConfig)."""
    values = {
        f.key: v for f in CONFIG_FIELDS if (v := _parsed(f, form.config.get(f.key))) is not None
    }
    try:
        return SourceConfig.model_validate(values), {}
    except ValidationError as exc:
        return None, pydantic_errors(exc)


def pydantic_errors(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    """field id -> messages, each coded `type|limit|original` for `message_for`."""
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] == "config" and len(loc) > 1:
            loc = loc[1:]
        key = loc[0] if loc else prefix or "form"
        ctx = err.get("ctx") or {}
        limit = next((str(ctx[k]) for k in ("ge", "le", "gt", "lt", "max_length") if k in ctx), "")
        out.setdefault(key, []).append(f"{err['type']}|{limit}|{err['msg']}")
    return out


def message_for(key: str, message: str, label: str, _: Gettext) -> str:
    """A schema or service message about field `key`, worded for the reader."""
    kind, _sep, rest = message.partition("|")
    if _sep:
        limit, _sep2, original = rest.partition("|")
        by_type = {
            "int_parsing": _("%(label)sには整数を入力してください。"),
            "float_parsing": _("%(label)sには数を入力してください。"),
            "greater_than_equal": _("%(label)sは %(limit)s 以上にしてください。"),
            "greater_than": _("%(label)sは %(limit)s より大きくしてください。"),
            "less_than_equal": _("%(label)sは %(limit)s 以下にしてください。"),
            "string_too_long": _("%(label)sは %(limit)s 文字以内にしてください。"),
            "too_long": _("%(label)sは %(limit)s 個までです。"),
            "literal_error": _("%(label)sは選択肢から選んでください。"),
            "bool_parsing": _("%(label)sは選択肢から選んでください。"),
            "missing": _("%(label)sを入力してください。"),
        }
        if key in ("timezone", "resource_timezone") and kind == "value_error":
            return _("%(label)s: 不明なタイムゾーンです。Asia/Tokyo のように入力してください。") % {
                "label": label
            }
        if kind in by_type:
            return by_type[kind] % {"label": label, "limit": limit}
        return f"{label}: {original}"
    if key == "url" and "valid http" in message:
        return _("URLは http:// または https:// で始まる形で入力してください。")
    if key == "name" and "already exists" in message:
        return _("この名前のハーベストソースは既にあります。別の名前にしてください。")
    if key == "name" and "reserved" in message:
        names = message.split("(", 1)[1].split(")", 1)[0]
        return _(
            "その名前（%(names)s）は画面の URL に使うため使えません。別の名前にしてください。"
        ) % {"names": names}
    if key == "name" and message.startswith("Must be"):
        return _("名前は半角英小文字・数字・- と _ の 2〜100 文字にしてください。")
    if key == "organization" and "does not exist" in message:
        return _("その組織はありません。一覧から選ぶか、組織名（例: 011002）を入力してください。")
    if key == "schedule" and message.startswith("Not a valid cron expression"):
        detail = message.split(":", 1)[1].strip()
        return _("cron式が正しくありません（%(detail)s）。例: 0 3 * * *（毎日 03:00）") % {
            "detail": detail
        }
    return f"{label}: {message}"
