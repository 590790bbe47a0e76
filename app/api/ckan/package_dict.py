"""DatasetOut -> CKAN package dict (package_show, package_search results, dumps).

Our additional fields (publisher, contact, frequency, spatial, temporal, standard-dataset kind,
measure ids...) appear twice, as the e-Gov portal shows them: as top-level keys and as extras.
They also appear under e-Gov's names (`publisher`, `contactPoint`, `release_date`...:
`app.datasets.egov`). Every top-level key written here is one
`app.datasets.ckan_input.from_ckan` reads back or recognises as a copy, so `ckanapi dump`
followed by `ckanapi load` reproduces the dataset exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.datasets.ckan_input import PROMOTED_EXTRAS
from app.datasets.egov import egov_fields
from app.datasets.schemas import DatasetOut, OrganizationRef, ResourceOut
from app.models import DatasetActivity
from app.timeutil import ckan_format, to_naive_utc

# CKAN's activity types for our history records.
ACTIVITY_TYPES = {
    "new": "new package",
    "changed": "changed package",
    "deleted": "deleted package",
    "purged": "deleted package",
}


def _text(value: str | date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_naive_utc(value).isoformat()  # CKAN's naive UTC, also for `Z` snapshots
    if isinstance(value, date):
        return value.isoformat()
    return value


def organization_ref_dict(org: OrganizationRef) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "title": org.title,
        "type": "organization",
        "description": "",
        "image_url": "",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }


def _group_ref(name: str, title: str, group_type: str) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "title": title,
        "display_name": title,
        "description": "",
        "image_display_url": "",
        "type": group_type,
    }


def resource_dict(res: ResourceOut) -> dict[str, Any]:
    # Resource extras are top-level keys in CKAN; the known fields win over a same-named extra.
    out: dict[str, Any] = dict(res.extras)
    out.update(
        {
            "id": res.id,
            "package_id": res.dataset_id,
            "position": res.position,
            "state": "active",
            "url": res.url,
            "download_url": res.download_url,
            "name": res.name,
            "description": res.description,
            "format": res.format,
            "mimetype": res.mimetype,
            "mimetype_inner": None,
            "size": res.size,
            "hash": res.hash,
            "license_id": res.license_id,
            "language": res.language,
            "created": ckan_format(res.created),
            "last_modified": ckan_format(res.last_modified),
            "metadata_modified": ckan_format(res.metadata_modified),
            "url_type": None,
            "resource_type": None,
            "cache_url": None,
            "cache_last_updated": None,
            "datastore_active": False,
        }
    )
    return out


def our_fields(ds: DatasetOut) -> dict[str, str]:
    """Our additional fields as strings (the form they take as extras)."""
    values = {key: _text(getattr(ds, key)) for key in PROMOTED_EXTRAS}
    values["measures"] = ",".join(m.name for m in ds.measures)
    return values


def package_dict(ds: DatasetOut) -> dict[str, Any]:
    lic = ds.license
    fields = our_fields(ds)
    extras = dict(ds.extras)
    extras.update({k: v for k, v in fields.items() if v})
    out: dict[str, Any] = {
        "id": ds.id,
        "name": ds.name,
        "title": ds.title,
        "notes": ds.notes,
        "url": ds.url,
        "version": ds.version,
        "author": ds.author,
        "author_email": ds.author_email,
        "maintainer": ds.maintainer,
        "maintainer_email": ds.maintainer_email,
        "license_id": lic.id if lic else "",
        "license_title": lic.title if lic else "",
        "license_url": lic.url if lic else "",
        "isopen": bool(lic and lic.is_open),
        "type": ds.type,
        "state": ds.state,
        "private": ds.private,
        "owner_org": ds.organization.id,
        "organization": organization_ref_dict(ds.organization),
        "groups": [_group_ref(c.name, c.title, "group") for c in ds.categories]
        + [_group_ref(m.name, m.title, "measure") for m in ds.measures],
        "tags": [
            {"name": t, "display_name": t, "state": "active", "vocabulary_id": None}
            for t in ds.tags
        ],
        "num_tags": len(ds.tags),
        "extras": [{"key": k, "value": extras[k]} for k in sorted(extras)],
        "resources": [resource_dict(r) for r in ds.resources],
        "num_resources": len(ds.resources),
        "metadata_created": ckan_format(ds.metadata_created),
        "metadata_modified": ckan_format(ds.metadata_modified),
        "creator_user_id": ds.creator_user_id,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
    for key in PROMOTED_EXTRAS:
        value = getattr(ds, key)
        out[key] = _text(value) if isinstance(value, date | datetime) else value
    out["measures"] = [m.name for m in ds.measures]
    # e-Gov's names for the same fields, so a client written for e-Gov's API reads us as is.
    for key, value in egov_fields(ds).items():
        out.setdefault(key, value)
    return out


def activity_dict(activity: DatasetActivity) -> dict[str, Any]:
    """CKAN's activity dict; `data.package` is the dataset as it was after the change."""
    data: dict[str, Any] = {}
    if activity.snapshot is not None:
        data["package"] = package_dict(DatasetOut.model_validate(activity.snapshot))
    return {
        "id": str(activity.id),
        "timestamp": ckan_format(activity.timestamp),
        "user_id": activity.user_id,
        "object_id": activity.dataset_id,
        "activity_type": ACTIVITY_TYPES.get(activity.activity_type, activity.activity_type),
        "data": data,
    }
