"""Read a CKAN package dict (package_create input, a ckanapi dump line) into a DatasetCreate.

Our additional fields may come as top-level keys (as e-Gov sends them) or as extras.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from app.datasets.schemas import DatasetCreate, DatasetFields, ResourceIn
from app.errors import Invalid
from app.timeutil import parse_when

MEASURE_ID = re.compile(r"^\d\d-\d\d$")
# Fields we keep as real columns when they arrive as extras.
PROMOTED_EXTRAS = (
    "publisher_name",
    "contact_name",
    "contact_email",
    "contact_url",
    "frequency",
    "language",
    "spatial",
    "spatial_code",
    "temporal_start",
    "temporal_end",
    "issued",
    "modified",
    "conforms_to",
    "standard_kind",
)
LIST_EXTRAS = ("measures", "categories")
RESOURCE_FIELDS = frozenset(ResourceIn.model_fields) - {"extras"}
# CKAN keys that are computed or ignored on input.
IGNORED_KEYS = frozenset(
    {
        "id",
        "organization",
        "groups",
        "num_tags",
        "num_resources",
        "metadata_created",
        "metadata_modified",
        "creator_user_id",
        "license_title",
        "license_url",
        "isopen",
        "revision_id",
        "relationships_as_object",
        "relationships_as_subject",
        "type",
        "tracking_summary",
        "owner_org",
        "resources",
        "extras",
        "tags",
        "name",
    }
)


def _names(items: Any) -> list[str]:
    out: list[str] = []
    for item in items or []:
        if isinstance(item, dict):
            name = item.get("name") or item.get("id") or item.get("display_name")
            if name:
                out.append(str(name))
        elif isinstance(item, str):
            out.append(item)
    return out


def _split_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _date_value(key: str, value: Any) -> date | datetime | None:
    if value in (None, ""):
        return None
    try:
        when = parse_when(str(value))
    except ValueError as exc:
        raise Invalid(
            f"{key} is not an ISO date", {key: ["Use YYYY-MM-DD or an ISO date-time"]}
        ) from exc
    return when.date() if key.startswith("temporal") else when


def resource_from_ckan(res: dict[str, Any]) -> ResourceIn:
    known: dict[str, Any] = {}
    extras: dict[str, str] = {}
    for key, value in res.items():
        if key in (
            "package_id",
            "position",
            "state",
            "metadata_modified",
            "cache_url",
            "cache_last_updated",
            "url_type",
            "resource_type",
            "datastore_active",
            "revision_id",
            "tracking_summary",
        ):
            continue
        if key in RESOURCE_FIELDS:
            known[key] = value
        elif value is not None and not isinstance(value, dict | list):
            extras[key] = str(value)
    if known.get("size") in ("", None):
        known.pop("size", None)
    for key in ("created", "last_modified"):
        if known.get(key) in ("", None):
            known.pop(key, None)
    for key in (
        "url",
        "name",
        "description",
        "format",
        "mimetype",
        "hash",
        "download_url",
        "language",
    ):
        if known.get(key) is None:
            known.pop(key, None)
    return ResourceIn(extras=extras, **known)


def _check_shape(pkg: dict[str, Any]) -> None:
    """Refuse wrongly shaped input (a number for a list...) with per-field messages."""
    errors: dict[str, list[str]] = {}
    for key in ("extras", "groups", "tags", "resources"):
        if pkg.get(key) is not None and not isinstance(pkg[key], list):
            errors[key] = ["Must be a list"]
    if isinstance(pkg.get("extras"), list) and not all(isinstance(e, dict) for e in pkg["extras"]):
        errors["extras"] = ["Each extra must be an object with key and value"]
    if pkg.get("organization") is not None and not isinstance(pkg["organization"], dict):
        errors["organization"] = ["Must be an object"]
    if pkg.get("id") is not None and not isinstance(pkg["id"], str):
        errors["id"] = ["Must be a string"]
    if errors:
        raise Invalid("The dataset is not valid: see the message for each field", errors)


def _resources(items: list[Any]) -> list[ResourceIn]:
    out: list[ResourceIn] = []
    fields: dict[str, list[str]] = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        try:
            out.append(resource_from_ckan(item))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                fields.setdefault(f"resources.{position}.{loc}", []).append(err["msg"])
    if fields:
        raise Invalid("The dataset is not valid: see the message for each field", fields)
    return out


def from_ckan(pkg: dict[str, Any]) -> tuple[DatasetCreate, str | None]:
    """The DatasetCreate for a CKAN package dict, and the id it asks for (if any)."""
    _check_shape(pkg)
    data: dict[str, Any] = {}
    extras: dict[str, str] = {}
    for item in pkg.get("extras") or []:
        if isinstance(item, dict) and "key" in item:
            extras[str(item["key"])] = "" if item.get("value") is None else str(item["value"])
    for key in PROMOTED_EXTRAS + LIST_EXTRAS:
        if key in pkg and pkg[key] not in (None, ""):
            extras.pop(key, None)
            data[key] = pkg[key]
        elif key in extras:
            data[key] = extras.pop(key)
    for key in LIST_EXTRAS:
        if key in data:
            data[key] = _split_list(data[key])
    for key in ("temporal_start", "temporal_end", "issued", "modified"):
        if key in data:
            data[key] = _date_value(key, data[key])
    for key, value in pkg.items():
        if key in IGNORED_KEYS or key in data or key in PROMOTED_EXTRAS + LIST_EXTRAS:
            continue
        if key in DatasetFields.model_fields:
            data[key] = value
        elif value is not None and not isinstance(value, dict | list):
            extras[key] = str(value)
    owner = pkg.get("owner_org") or (pkg.get("organization") or {}).get("name")
    if owner:
        data["owner_org"] = owner
    groups = _names(pkg.get("groups"))
    data.setdefault("measures", [])
    data.setdefault("categories", [])
    data["measures"] = list(
        dict.fromkeys(data["measures"] + [g for g in groups if MEASURE_ID.match(g)])
    )
    data["categories"] = list(
        dict.fromkeys(data["categories"] + [g for g in groups if not MEASURE_ID.match(g)])
    )
    if "tags" in pkg:
        data["tags"] = _names(pkg["tags"])
    elif "tag_string" in pkg:
        data["tags"] = _split_list(pkg["tag_string"])
        extras.pop("tag_string", None)
    if pkg.get("resources") is not None:
        data["resources"] = _resources(pkg["resources"])
    data["extras"] = extras
    if pkg.get("name"):
        data["name"] = pkg["name"]
    for key in (
        "title",
        "notes",
        "url",
        "version",
        "author",
        "author_email",
        "maintainer",
        "maintainer_email",
    ):
        if data.get(key) is None:
            data.pop(key, None)
    try:
        return DatasetCreate(**data), pkg.get("id") or None
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            fields.setdefault(".".join(str(p) for p in err["loc"]) or "body", []).append(err["msg"])
        raise Invalid("The dataset is not valid: see the message for each field", fields) from exc
