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


def _group(
    *,
    ident: str,
    name: str,
    title: str,
    description: str,
    kind: str,
    package_count: int,
    extras: dict[str, Any],
) -> dict[str, Any]:
    """The CKAN group/organization dict; features we don't have (images, followers) are empty."""
    return {
        "id": ident,
        "name": name,
        "title": title,
        "display_name": title,
        "description": description,
        "type": kind,
        "is_organization": kind == "organization",
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "package_count": package_count,
        "num_followers": 0,
        "extras": _extras(extras),
        "groups": [],
        "tags": [],
        "users": [],
    }


def organization_dict(org: OrganizationOut) -> dict[str, Any]:
    return _group(
        ident=org.id,
        name=org.name,
        title=org.title,
        description=org.description,
        kind="organization",
        package_count=org.dataset_count or 0,
        extras={k: getattr(org, k) for k in ORG_EXTRAS},
    )


def category_dict(cat: CategoryOut) -> dict[str, Any]:
    return _group(
        ident=cat.name,
        name=cat.name,
        title=cat.title,
        description="",
        kind="group",
        package_count=cat.dataset_count,
        extras={"title_en": cat.title_en},
    )


def measure_dict(measure: MeasureOut) -> dict[str, Any]:
    lead = [m.organization or m.name for m in measure.ministries if m.lead]
    return _group(
        ident=measure.id,
        name=measure.id,
        title=measure.title,
        description="\n".join(measure.summary),
        kind="measure",
        package_count=measure.dataset_count,
        extras={
            "section": measure.section,
            "section_title": measure.section_title,
            "article": measure.article,
            "kpi_progress": measure.kpi_progress,
            "kpi_effect": measure.kpi_effect,
            "lead_ministries": ",".join(lead),
            "in_main_text": "true" if measure.in_main_text else "false",
        },
    )


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
