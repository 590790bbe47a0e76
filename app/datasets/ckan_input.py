"""Read a CKAN package dict (package_create input, a ckanapi dump line) into a DatasetCreate.

Our additional fields may come as top-level keys (as e-Gov sends them) or as extras; e-Gov's
own names (`publisher`, `contactPoint`, `release_date`...) fill them too (`app.datasets.egov`).
Nothing a record carries is dropped here: a key with no field of ours becomes an extra (JSON
for lists, objects, numbers and booleans: `false` stays `false`, not `"False"`); only the
keys CKAN computes from other fields (COMPUTED_KEYS) are not kept.

Remote records (harvest, `catalog import`) pass `provider_dates=True`: `issued`/`modified` then
come from the record's `release_date` or `metadata_created`/`metadata_modified`, and naive
times are read in the source's time zones (CKAN writes naive UTC; e-Gov resource times are
Japan time).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from app.datasets.egov import egov_values
from app.datasets.schemas import DatasetCreate, DatasetFields, ResourceIn
from app.errors import Invalid
from app.timeutil import parse_when, to_naive_utc

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
# CKAN keys computed from other fields (counts, licence display, revision): not kept.
COMPUTED_KEYS = frozenset(
    {
        "num_tags",
        "num_resources",
        "license_title",
        "license_url",
        "isopen",
        "revision_id",
        "tracking_summary",
        "relationships_as_object",
        "relationships_as_subject",
        "index_id",
        "creator_user_id",
    }
)
RESOURCE_COMPUTED_KEYS = frozenset(
    {
        "package_id",
        "position",
        "state",
        "metadata_modified",
        "cache_url",
        "cache_last_updated",
        "datastore_active",
        "datastore_contains_all_records_of_source_file",
        "revision_id",
        "tracking_summary",
    }
)
# Keys read here (or computed): never copied to extras.
IGNORED_KEYS = COMPUTED_KEYS | {
    "id",
    "organization",
    "groups",
    "metadata_created",
    "metadata_modified",
    "type",
    "owner_org",
    "resources",
    "extras",
    "tags",
    "name",
}


def extra_text(value: Any) -> str:
    """An extra's value as text: strings as they are, anything else as JSON (`false`, `3`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _naive_in(value: Any, zone: str) -> Any:
    """A naive ISO date-time read in `zone`, as naive UTC; other values unchanged."""
    if not isinstance(value, str) or not value.strip():
        return value
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value  # the schema reports it
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(zone))
    return to_naive_utc(when)


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


def resource_from_ckan(res: dict[str, Any], timezone: str = "UTC") -> ResourceIn:
    """A CKAN resource dict; naive `created`/`last_modified` are read in `timezone`."""
    known: dict[str, Any] = {}
    extras: dict[str, str] = {}
    for key, value in res.items():
        if key in RESOURCE_COMPUTED_KEYS:
            continue
        if key in RESOURCE_FIELDS:
            known[key] = value
        elif value is not None and value != "":
            extras[key] = extra_text(value)
    # DATA.GO.JP (until 2022) named the per-resource licence resource_license_id.
    if not known.get("license_id") and extras.get("resource_license_id"):
        known["license_id"] = extras.pop("resource_license_id")
    if known.get("size") in ("", None):
        known.pop("size", None)
    for key in ("created", "last_modified"):
        if known.get(key) in ("", None):
            known.pop(key, None)
        else:
            known[key] = _naive_in(known[key], timezone)
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


def _resources(items: list[Any], timezone: str, notes: list[str] | None) -> list[ResourceIn]:
    """The resources; with `notes` (a remote record), a value the schema refuses moves to the
    resource's extra `remote_<field>` and is named in `notes` instead of refusing the record."""
    out: list[ResourceIn] = []
    fields: dict[str, list[str]] = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        current = dict(item)
        for _attempt in range(len(RESOURCE_FIELDS)):
            try:
                out.append(resource_from_ckan(current, timezone))
                break
            except ValidationError as exc:
                bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]} & set(current)
                if notes is None or not bad:
                    for err in exc.errors():
                        loc = "__".join(str(p) for p in err["loc"])
                        fields.setdefault(f"resources__{position}__{loc}", []).append(err["msg"])
                    break
                for key in sorted(bad):
                    value = current.pop(key)
                    current[f"remote_{key}"] = value
                    notes.append(
                        f"resource {position + 1} {key} {value!r} is not readable here: "
                        f"kept in its remote_{key}"
                    )
    if fields:
        raise Invalid("The dataset is not valid: see the message for each field", fields)
    return out


def _lenient_dataset(data: dict[str, Any], notes: list[str]) -> DatasetCreate:
    """DatasetCreate(**data), moving values the schema refuses to `remote_<field>` extras."""
    for _attempt in range(len(DatasetCreate.model_fields)):
        try:
            return DatasetCreate(**data)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]} & set(data)
            bad -= {"extras", "resources"}
            if not bad:
                raise
            for key in sorted(bad):
                value = data.pop(key)
                data["extras"][f"remote_{key}"] = extra_text(value)
                notes.append(f"{key} {value!r} is not readable here: kept in remote_{key}")
    return DatasetCreate(**data)


def from_ckan(
    pkg: dict[str, Any],
    *,
    provider_dates: bool = False,
    timezone: str = "UTC",
    resource_timezone: str | None = None,
    notes: list[str] | None = None,
) -> tuple[DatasetCreate, str | None]:
    """The DatasetCreate for a CKAN package dict, and the id it asks for (if any).

    provider_dates: the record comes from another portal; `issued` defaults to its
    `release_date`/`metadata_created`, `modified` to its `metadata_modified` (read in
    `timezone`). resource_timezone: the zone of naive resource times (default `timezone`).
    notes: given (a remote record), values the schema cannot read are kept as `remote_<field>`
    extras and named in it instead of raising.
    Raises Invalid (per-field messages, resources as `resources__N__field`).
    """
    _check_shape(pkg)
    data: dict[str, Any] = {}
    extras: dict[str, str] = {}
    for item in pkg.get("extras") or []:
        if isinstance(item, dict) and "key" in item:
            extras[str(item["key"])] = extra_text(item.get("value"))
    for key in PROMOTED_EXTRAS + LIST_EXTRAS:
        if key in pkg and pkg[key] not in (None, ""):
            extras.pop(key, None)
            data[key] = pkg[key]
        elif key in extras:
            data[key] = extras.pop(key)
    ours = {k: v for k, v in data.items() if v not in (None, "")}
    ours.update({k: pkg[k] for k in ("author", "url") if pkg.get(k)})
    from_egov, used = egov_values({**extras, **pkg}, ours)
    for key in used:
        extras.pop(key, None)
    data.update(from_egov)
    if provider_dates:
        for ours_key, theirs in (("issued", "metadata_created"), ("modified", "metadata_modified")):
            if data.get(ours_key) in (None, "") and pkg.get(theirs):
                data[ours_key] = _naive_in(str(pkg[theirs]), timezone)
    for key in LIST_EXTRAS:
        if key in data:
            data[key] = _split_list(data[key])
    for key in ("temporal_start", "temporal_end", "issued", "modified"):
        if key in data and not isinstance(data[key], datetime):
            try:
                data[key] = _date_value(key, data[key])
            except Invalid:
                if notes is None:
                    raise
                extras[f"remote_{key}"] = extra_text(data.pop(key))
                notes.append(f"{key} is not an ISO date: kept in remote_{key}")
    for key, value in pkg.items():
        if key in IGNORED_KEYS or key in data or key in PROMOTED_EXTRAS + LIST_EXTRAS:
            continue
        if key in used:
            continue
        if key in DatasetFields.model_fields:
            data[key] = value
        elif value is not None and value != "":
            extras[key] = extra_text(value)
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
        data["resources"] = _resources(pkg["resources"], resource_timezone or timezone, notes)
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
        if notes is not None:
            return _lenient_dataset(data, notes), pkg.get("id") or None
        return DatasetCreate(**data), pkg.get("id") or None
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            fields.setdefault("__".join(str(p) for p in err["loc"]) or "body", []).append(
                err["msg"]
            )
        raise Invalid("The dataset is not valid: see the message for each field", fields) from exc
