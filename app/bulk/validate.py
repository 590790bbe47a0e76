"""The dataset service's validation applied to a planned dataset, without writing anything.

The values go through the same pydantic schema (`DatasetCreate`, built by the caller) and then
`app.datasets.assemble.apply_fields` and the resource filler `replace_resources` uses, on a
plain draft object that stands for the ORM dataset: the same rules, with no session, flush or
SQLAlchemy instrumentation. Service messages (English, shared with the API) become issues at
the cell their value came from, in Japanese where the list can trigger them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.bulk import rows as rowmap
from app.bulk.rows import Group, Issue
from app.common.validate import FieldErrors
from app.datasets.assemble import apply_fields, fields_to_apply
from app.datasets.resources import _fill as fill_resource
from app.datasets.schemas import DatasetCreate
from app.models import Dataset, Organization, Resource


def snapshot(ds: Dataset, keys: list[str]) -> dict[str, Any]:
    """What a list sets, comparable between a stored and a transient dataset."""
    out: dict[str, Any] = {}
    for key in keys:
        if key == "tags":
            out[key] = sorted(t.name for t in ds.tags)
        elif key == "categories":
            out[key] = sorted(c.name for c in ds.categories)
        elif key in ("issued", "modified"):
            value = getattr(ds, key)
            out[key] = value.date() if isinstance(value, datetime) else value
        elif key == "resources":
            out[key] = [
                (
                    r.name,
                    r.url,
                    r.download_url,
                    r.description,
                    r.format,
                    r.license_id,
                    r.size,
                    r.language,
                    r.last_modified.date() if r.last_modified else None,
                    dict(r.extras or {}),
                )
                for r in sorted(ds.resources, key=lambda r: r.position)
            ]
        elif key == "extras":
            out[key] = dict(ds.extras or {})
        else:
            out[key] = getattr(ds, key)
    return out


# The dataset service's messages (English, shared with the API) that a list can trigger, as
# Japanese msgids for the page (the English catalogue maps them back); others are shown as is.
SERVICE_MESSAGES: dict[str, str] = {
    "Please provide a valid http:// or https:// URL": (
        "http:// または https:// で始まる URL を書いてください"
    ),
    "Please provide a valid e-mail address": "メールアドレスの形が正しくありません",
    "Use an ISO 639-1 code such as ja or en": (
        "言語は ja や en のような ISO 639-1 の2文字で書いてください"
    ),
    "The end of the period must not be before its start": (
        "対象期間の終わりが始まりより前になっています"
    ),
}


def map_errors(group: Group, fields: dict[str, list[str]]) -> None:
    """Service messages (per field, English) -> issues at the cell the value came from."""
    for key, messages in fields.items():
        parts = key.split("__")
        row = group.rows[0].number
        column = rowmap.FIELD_COLUMN.get(parts[0], "dataset_title")
        if parts[0] == "resources" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(group.file_rows):
                row = group.file_rows[index]
            column = rowmap.RESOURCE_COLUMN.get(parts[2], "file_title")
        for message in messages:
            msgid = SERVICE_MESSAGES.get(message)
            if msgid is not None:
                group.issues.append(Issue(row, column, msgid))
            else:
                group.issues.append(Issue(row, column, "%(detail)s", {"detail": message}))


def pydantic_fields(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        fields.setdefault("__".join(str(p) for p in err["loc"]), []).append(err["msg"])
    return fields


# Validation of tags, categories and licence depends only on their values, and an
# オープンデータ一覧 repeats the same few combinations on every row: their outcome (messages and
# the objects found) is remembered per preview, so the reference lookups run once per
# combination instead of three queries per dataset.
RefMemo = dict[tuple[Any, ...], tuple[dict[str, list[str]], list[Any], list[Any], Any]]
_REF_FIELDS = ("tags", "categories", "license_id")


class _Draft:
    """A stand-in for the ORM object the service would write: the service's own functions
    (`apply_fields`, the resource filler) set plain attributes on it, so validation runs
    without SQLAlchemy's instrumentation, a session or a flush (5× faster on 10,000 rows)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def check(
    session: Session, org: Organization, data: DatasetCreate, memo: RefMemo
) -> tuple[Dataset, FieldErrors]:
    """The dataset service's validation on a draft (nothing added to the session or flushed).

    Returns the draft typed as the Dataset it stands for (only its attributes are read)."""
    errors = FieldErrors()
    draft = _Draft(
        tags=[],
        categories=[],
        measures=[],
        resources=[],
        extras={},
        temporal_start=None,
        temporal_end=None,
        license=None,
        license_id=None,
    )
    ds = cast(Dataset, draft)

    def resolve(_ref: str | None, _errors: FieldErrors) -> Organization:
        return org

    values = fields_to_apply(data, "create")
    if not values.get("measures"):
        values.pop("measures", None)  # the list has no measures: skip an empty lookup
    key = tuple(tuple(v) if isinstance(v, list) else v for v in map(values.get, _REF_FIELDS))
    hit = memo.get(key)
    if hit is not None:
        for field in _REF_FIELDS:
            values.pop(field, None)
    with session.no_autoflush:
        apply_fields(session, ds, values, errors, resolve)
        if hit is not None:
            for field, messages in hit[0].items():
                errors.fields[field] = list(messages)
            ds.tags, ds.categories, ds.license = list(hit[1]), list(hit[2]), hit[3]
            ds.license_id = hit[3].id if hit[3] is not None else None
        else:
            memo[key] = (
                {f: m for f, m in errors.fields.items() if f in _REF_FIELDS},
                list(ds.tags),
                list(ds.categories),
                ds.license,
            )
        for position, item in enumerate(data.resources or []):
            res = cast(Resource, _Draft(extras={}, position=position))
            fill_resource(session, res, item, errors, f"resources__{position}__")
            ds.resources.append(res)
    return ds, errors
