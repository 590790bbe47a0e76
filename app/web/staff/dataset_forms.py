"""The dataset form <-> the input the API takes (`app.datasets.schemas`), and the service's
errors -> the form's field ids with messages in the reader's language.

Form field names are the API's field names (`title`, `spatial_code`...); the first resource
of the create form uses the service's error paths as names (`resources__0__url`), so every
error key the service returns is also the id of the field that caused it. Nothing is
validated here: values go to the service as typed (only empty strings become "not given"),
and what the service refuses comes back as `Invalid.fields`.

A form is held as `FormValues`: field name -> the text typed (str), or the values chosen
(list[str]) for categories and measures; it is what the page re-renders after an error, so
everything typed is kept.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.datasets.schemas import DatasetCreate, DatasetOut, DatasetPatch
from app.harvest.importer import OUTPUT_TO_INPUT
from app.web.staff.dataset_messages import Gettext, schema_errors, translate

FormValues = dict[str, Any]
M = TypeVar("M", bound=BaseModel)

# One-line text fields (name = API field name), in form order.
TEXT_FIELDS = (
    "title",
    "name",
    "url",
    "publisher_name",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "contact_name",
    "contact_email",
    "contact_url",
    "spatial",
    "spatial_code",
    "language",
    "version",
    "conforms_to",
)
SELECT_FIELDS = ("owner_org", "license_id", "frequency", "standard_kind")
DATE_FIELDS = ("temporal_start", "temporal_end", "issued")
LIST_FIELDS = ("categories", "measures")
RESOURCE_FIELDS = ("url", "name", "format")
FIRST_RESOURCE = tuple(f"resources__0__{key}" for key in RESOURCE_FIELDS)
VISIBILITY = ("draft", "private", "public")
# The order of the fields on the page: the error summary lists errors in this order.
FORM_ORDER = (
    "title",
    "name",
    "owner_org",
    "visibility",
    "notes",
    "tags",
    "license_id",
    "standard_kind",
    "categories",
    "measures",
    "spatial_code",
    "spatial",
    "temporal_start",
    "temporal_end",
    "frequency",
    "issued",
    "publisher_name",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "contact_name",
    "contact_email",
    "contact_url",
    "url",
    "language",
    "version",
    "conforms_to",
    *FIRST_RESOURCE,
)
# Service error keys that have no field of their own on the form -> the field that sets them.
ERROR_FIELD = {"state": "visibility", "private": "visibility", "resources": "resources__0__url"}
_TAG_SPLIT = re.compile(r"[,、，\n]")
_LIST_ITEM = re.compile(r"^(tags|categories|measures)__\d+$")  # a schema error on one item
_MEASURE_ID = re.compile(r"^\s*(\d{2}-\d+)\s")


def read_form(form: FormData, *, with_resource: bool) -> FormValues:
    """What the clerk typed, as typed (strings are not trimmed: they are shown back)."""
    values: FormValues = {}
    for key in (*TEXT_FIELDS, *SELECT_FIELDS, *DATE_FIELDS, "notes", "tags", "visibility"):
        value = form.get(key)
        values[key] = value if isinstance(value, str) else ""
    for key in LIST_FIELDS:
        values[key] = [v for v in form.getlist(key) if isinstance(v, str)]
    if with_resource:
        for key in FIRST_RESOURCE:
            value = form.get(key)
            values[key] = value if isinstance(value, str) else ""
    return values


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


def values_from_dataset(ds: DatasetOut) -> FormValues:
    """The form as it opens for an existing dataset."""
    values: FormValues = {key: str(getattr(ds, key) or "") for key in TEXT_FIELDS}
    values["owner_org"] = ds.organization.name
    values["license_id"] = ds.license.id if ds.license else ""
    values["frequency"] = ds.frequency
    values["standard_kind"] = ds.standard_kind or ""
    values["temporal_start"] = _day(ds.temporal_start)
    values["temporal_end"] = _day(ds.temporal_end)
    values["issued"] = _day(ds.issued)
    values["notes"] = ds.notes
    values["tags"] = ", ".join(ds.tags)
    values["categories"] = [c.name for c in ds.categories]
    values["measures"] = [m.name for m in ds.measures]
    values["visibility"] = (
        "draft" if ds.state == "draft" else ("private" if ds.private else "public")
    )
    return values


def empty_values(owner_org: str = "") -> FormValues:
    values: FormValues = {key: "" for key in (*TEXT_FIELDS, *SELECT_FIELDS, *DATE_FIELDS)}
    values.update(notes="", tags="", visibility="public", categories=[], measures=[])
    values.update({key: "" for key in FIRST_RESOURCE})
    values["owner_org"] = owner_org
    values["language"] = "ja"
    return values


def _given(text: str) -> str | None:
    """An empty (or blank) box means "not given"; anything else goes as typed."""
    return text if text.strip() else None


def _measure_id(text: str) -> str:
    """A datalist pick may arrive as "02-22 AEDの…": the id is the part before the title."""
    found = _MEASURE_ID.match(text)
    return found.group(1) if found else text.strip()


def to_input(values: FormValues, *, only: set[str] | None = None) -> dict[str, Any]:
    """The API input (a `DatasetCreate`/`DatasetPatch` body) for the form's values.

    `only`: form fields to include (an edit sends just the fields the clerk changed, so an
    untouched field of a harvested dataset does not become a local edit).
    """

    def wanted(key: str) -> bool:
        return only is None or key in only

    body: dict[str, Any] = {}
    for key in (*TEXT_FIELDS, *SELECT_FIELDS, *DATE_FIELDS, "notes"):
        if wanted(key):
            body[key] = _given(values.get(key, ""))
    if "issued" in body and body["issued"] is not None:
        body["issued"] = body["issued"].strip()
    if wanted("tags"):
        body["tags"] = [t for t in _TAG_SPLIT.split(values.get("tags", "")) if t.strip()]
    if wanted("categories"):
        body["categories"] = [c for c in values.get("categories", []) if c.strip()]
    if wanted("measures"):
        body["measures"] = [_measure_id(m) for m in values.get("measures", []) if m.strip()]
    if wanted("visibility"):
        visibility = values.get("visibility", "")
        body["state"] = "draft" if visibility == "draft" else "active"
        body["private"] = visibility == "private"
    if only is None and any(values.get(key, "").strip() for key in FIRST_RESOURCE):
        body["resources"] = [
            {key: values.get(f"resources__0__{key}", "").strip() for key in RESOURCE_FIELDS}
        ]
    # The name is a reference: a blank one is "generate one" on create, "keep" on edit.
    if body.get("name") is None:
        body.pop("name", None)
    if body.get("owner_org") is None and only is not None:
        body.pop("owner_org", None)
    return body


def changed_fields(typed: FormValues, opened: FormValues) -> set[str]:
    """The form fields whose typed value differs from the dataset's current one."""
    keys = set(typed) - set(FIRST_RESOURCE)
    return {key for key in keys if _norm(key, typed.get(key)) != _norm(key, opened.get(key))}


def _norm(key: str, value: Any) -> Any:
    """A value as compared: blanks trimmed; tags, categories and measures as sets (the
    service keeps them in its own order)."""
    if key == "tags" and isinstance(value, str):
        return sorted(t.strip() for t in _TAG_SPLIT.split(value) if t.strip())
    if isinstance(value, list):
        return sorted(v.strip() for v in value if v.strip())
    if isinstance(value, str):
        return value.strip()
    return value


def build_create(body: dict[str, Any]) -> tuple[DatasetCreate, dict[str, list[str]]]:
    """The create input, and the schema's errors keyed like the service's (see `_build`)."""
    return _build(DatasetCreate, body)


def build_patch(body: dict[str, Any]) -> tuple[DatasetPatch, dict[str, list[str]]]:
    return _build(DatasetPatch, body)


def _build(model: type[M], body: dict[str, Any]) -> tuple[M, dict[str, list[str]]]:
    """`model` from `body`; when the schema refuses some fields, the model of the others and
    the schema's messages, so that the caller can still ask the service about the rest (and
    show every message of one submit at once; the caller must then not keep the result)."""
    try:
        return model.model_validate(body), {}
    except ValidationError as exc:
        errors = schema_errors(exc)
        refused = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        rest = {key: value for key, value in body.items() if key not in refused}
        try:
            return model.model_validate(rest), errors
        except ValidationError:  # not expected: the fields left were valid on their own
            return model.model_validate({}), errors


def merge_errors(*sources: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for source in sources:
        for key, messages in source.items():
            merged.setdefault(key, []).extend(messages)
    return merged


def field_errors(fields: dict[str, list[str]], _: Gettext) -> dict[str, str]:
    """Service errors -> {form field id: message in the reader's language}, in page order.

    Several messages for one field are joined; a key the form has no field for keeps its
    own key (listed in the summary after the fields).
    """
    by_field: dict[str, list[str]] = {}
    for key, messages in fields.items():
        field = ERROR_FIELD.get(key) or _LIST_ITEM.sub(r"\1", key)
        for message in messages:
            text = translate(message, _)
            if text not in by_field.setdefault(field, []):
                by_field[field].append(text)
    order = {key: i for i, key in enumerate(FORM_ORDER)}
    ranked = sorted(by_field, key=lambda k: order.get(k, len(order)))
    return {key: " ".join(by_field[key]) for key in ranked}


def conflict_rows(theirs: FormValues, typed: FormValues) -> list[tuple[str, str, str]]:
    """(field, their saved value, your typed value) for each field where the two differ."""
    rows: list[tuple[str, str, str]] = []
    for key in FORM_ORDER:
        if key in FIRST_RESOURCE or key not in theirs:
            continue
        if _norm(key, typed.get(key, "")) != _norm(key, theirs.get(key, "")):
            rows.append((key, _shown(theirs.get(key, "")), _shown(typed.get(key, ""))))
    return rows


def _shown(value: Any) -> str:
    return ", ".join(v for v in value if v.strip()) if isinstance(value, list) else str(value)


def harvest_fields(ds: DatasetOut) -> tuple[set[str], set[str]]:
    """For a harvested dataset: (form fields the next harvest overwrites from the source,
    form fields edited here that it keeps), per `app.harvest.importer` (fields in the
    dataset's `local_fields` are never overwritten; `state` is set from the source again
    unless the dataset was withdrawn here)."""
    if ds.origin != "harvest":
        return set(), set()
    local = {OUTPUT_TO_INPUT.get(f, f) for f in ds.local_fields}
    form = set(FORM_ORDER) - set(FIRST_RESOURCE)
    kept = {f for f in form if f in local}
    if "private" in local:
        kept.add("visibility")
    return form - kept, kept
