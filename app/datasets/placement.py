"""Keep-and-report for remote records: references we cannot place are kept, never refused.

Harvest sources and `catalog import` call `place_references` before the dataset service: every
licence (dataset and resources), category and measure goes through the reference resolver;
what it cannot place moves to an extra named `remote_<field>` (shown again by package_show) and
is named in the returned notes, which end up in the record's job message. A user's own
package_create does not come through here: there an unknown value is a Validation Error.
"""

from __future__ import annotations

from typing import Any

from app.catalog.references import Vocabulary
from app.datasets.schemas import DatasetCreate, DatasetPatch


def _keep(extras: dict[str, str], key: str, value: str) -> None:
    extras[key] = f"{extras[key]}, {value}" if extras.get(key) else value


def place_references(
    vocab: Vocabulary,
    data: DatasetCreate,
    *,
    measures: set[str] | None = None,
    default_license: str | None = None,
) -> tuple[DatasetCreate, list[str]]:
    """(the record with resolved references, notes naming what was kept as `remote_*`).

    measures: the measure ids known here (None: leave measures to the service).
    default_license: used when the record names no licence, or one we cannot place.
    """
    values: dict[str, Any] = data.model_dump(exclude_unset=True)
    extras: dict[str, str] = dict(values.get("extras") or {})
    notes: list[str] = []
    raw_licence = (data.license_id or "").strip()
    licence = vocab.license(raw_licence) if raw_licence else None
    if raw_licence and licence is None:
        _keep(extras, "remote_license", raw_licence)
        notes.append(f"licence {raw_licence!r} is not known here: kept in remote_license")
    if licence is None and default_license:
        licence = vocab.license(default_license) or default_license
    values["license_id"] = licence
    categories: list[str] = []
    for ref in data.categories or []:
        name = vocab.category(ref)
        if name is None:
            _keep(extras, "remote_categories", ref)
            notes.append(f"category {ref!r} is not known here: kept in remote_categories")
        elif name not in categories:
            categories.append(name)
    values["categories"] = categories
    if measures is not None:
        kept = [m for m in data.measures or [] if m in measures]
        for ref in data.measures or []:
            if ref not in measures:
                _keep(extras, "remote_measures", ref)
                notes.append(f"measure {ref!r} is not known here: kept in remote_measures")
        values["measures"] = kept
    for position, res in enumerate(values.get("resources") or []):
        raw = (res.get("license_id") or "").strip()
        if not raw:
            continue
        found = vocab.license(raw)
        res["license_id"] = found
        if found is None:
            res["extras"] = {**(res.get("extras") or {}), "remote_license": raw}
            notes.append(
                f"resource {position + 1}: licence {raw!r} is not known here: "
                "kept in its remote_license"
            )
    values["extras"] = extras
    return DatasetCreate(**values), notes


def keep_refused(values: dict[str, Any], fields: dict[str, list[str]]) -> list[str]:
    """Move the values the service refused out of `values` (in place); notes saying where.

    A dataset field's value is kept in the extra `remote_<field>`; a refused URL (whitespace or
    control characters, not http(s)) is dropped, as a URL we would have to alter; a refused
    resource value is kept in that resource's extra `remote_<field>` (URLs dropped).
    """
    extras: dict[str, str] = dict(values.get("extras") or {})
    notes: list[str] = []
    for key, messages in fields.items():
        why = "; ".join(messages)
        parts = key.split("__")
        if len(parts) == 3 and parts[0] == "resources" and parts[1].isdigit():
            resources = values.get("resources") or []
            index, field = int(parts[1]), parts[2]
            if index >= len(resources) or field not in resources[index]:
                continue
            res = resources[index]
            value = res.pop(field)
            where = f"resource {index + 1} {field}"
            if "url" in field or value in (None, ""):
                notes.append(f"{where} {value!r} dropped ({why})")
            else:
                res["extras"] = {**(res.get("extras") or {}), f"remote_{field}": str(value)}
                notes.append(f"{where} kept in its remote_{field} ({why})")
        elif key == "extras":
            values["extras"] = None
            extras = {}
            notes.append(f"extras dropped ({why})")
        elif key in DatasetPatch.model_fields and key not in ("owner_org", "name"):
            value = values.get(key)
            values[key] = None
            if value in (None, "", []):
                notes.append(f"{key} dropped ({why})")
            elif key in ("url", "contact_url", "conforms_to"):
                notes.append(f"{key} {value!r} dropped ({why})")
            else:
                text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                extras[f"remote_{key}"] = text
                notes.append(f"{key} kept in remote_{key} ({why})")
    if extras and "extras" not in fields:
        values["extras"] = extras
    return notes
