"""CKAN dict shapes for organisations, groups (categories and measures) and licences."""

from __future__ import annotations

from typing import Any

from app.catalog.schemas import CategoryOut, LicenseOut
from app.measures.schemas import MeasureOut
from app.organizations.schemas import OrganizationOut

# Our organisation fields beyond CKAN's, published as the organisation's extras.
ORG_EXTRAS = (
    "kind",
    "code",
    "prefecture",
    "prefecture_code",
    "kana",
    "title_en",
    "homepage",
    "spatial_uri",
)


def _extras(values: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"key": k, "value": str(v), "state": "active"}
        for k, v in values.items()
        if v not in (None, "")
    ]


def organization_dict(org: OrganizationOut) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "title": org.title,
        "display_name": org.title,
        "description": org.description,
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "package_count": org.dataset_count or 0,
        "num_followers": 0,
        "extras": _extras({k: getattr(org, k) for k in ORG_EXTRAS}),
        "groups": [],
        "tags": [],
        "users": [],
    }


def category_dict(cat: CategoryOut) -> dict[str, Any]:
    return {
        "id": cat.name,
        "name": cat.name,
        "title": cat.title,
        "display_name": cat.title,
        "description": "",
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "package_count": cat.dataset_count,
        "num_followers": 0,
        "extras": _extras({"title_en": cat.title_en}),
        "groups": [],
        "tags": [],
        "users": [],
    }


def measure_dict(measure: MeasureOut) -> dict[str, Any]:
    lead = [m.organization or m.name for m in measure.ministries if m.lead]
    return {
        "id": measure.id,
        "name": measure.id,
        "title": measure.title,
        "display_name": measure.title,
        "description": "\n".join(measure.summary),
        "type": "measure",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "package_count": measure.dataset_count,
        "num_followers": 0,
        "extras": _extras(
            {
                "section": measure.section,
                "section_title": measure.section_title,
                "article": measure.article,
                "kpi_progress": measure.kpi_progress,
                "kpi_effect": measure.kpi_effect,
                "lead_ministries": ",".join(lead),
                "in_main_text": "true" if measure.in_main_text else "false",
            }
        ),
        "groups": [],
        "tags": [],
        "users": [],
    }


def license_dict(lic: LicenseOut) -> dict[str, Any]:
    return {
        "id": lic.id,
        "title": lic.title,
        "url": lic.url,
        "uri": lic.uri,
        "status": "active",
        "maintainer": "",
        "family": "",
        "od_conformance": lic.od_conformance,
        "osd_conformance": "not reviewed",
        "is_okd_compliant": lic.is_open,
        "is_osi_compliant": False,
        "is_generic": False,
        "domain_content": True,
        "domain_data": True,
        "domain_software": False,
        "legacy": lic.legacy,
    }
