"""Native REST API: measures, organisations, categories, licences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.auth import ActorDep, SessionDep
from app.catalog import service as catalog_service
from app.catalog.schemas import CategoryOut, LicenseOut
from app.common.bounds import MAX_INTEGER
from app.measures import service as measure_service
from app.measures.schemas import MeasureDetail, MeasurePage
from app.organizations import service as org_service
from app.organizations.schemas import OrganizationOut, OrganizationPage

router = APIRouter()


@router.get("/measures", response_model=MeasurePage, tags=["measures"])
def list_measures(
    session: SessionDep,
    section: Annotated[int | None, Query(ge=1, le=12)] = None,
    ministry: Annotated[
        str | None, Query(description="ministry name (総務省) or short name (soumu)")
    ] = None,
) -> MeasurePage:
    return measure_service.list_measures(session, section=section, ministry=ministry)


@router.get("/measures/{measure_id}", response_model=MeasureDetail, tags=["measures"])
def get_measure(session: SessionDep, actor: ActorDep, measure_id: str) -> MeasureDetail:
    return measure_service.get_measure(session, actor, measure_id)


@router.get("/organizations", response_model=OrganizationPage, tags=["organizations"])
def list_organizations(
    session: SessionDep,
    kind: Annotated[str | None, Query(description="ministry, prefecture or municipality")] = None,
    prefecture: Annotated[str | None, Query(description="都道府県 name or 2-digit code")] = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_INTEGER)] = 1,
    limit: Annotated[int, Query(ge=1, le=2000)] = 100,
) -> OrganizationPage:
    return org_service.list_organizations(
        session, kind=kind, prefecture=prefecture, q=q, offset=(page - 1) * limit, limit=limit
    )


@router.get("/organizations/{name}", response_model=OrganizationOut, tags=["organizations"])
def get_organization(session: SessionDep, name: str) -> OrganizationOut:
    return org_service.get_organization(session, name)


@router.get("/categories", response_model=list[CategoryOut], tags=["reference"])
def list_categories(session: SessionDep) -> list[CategoryOut]:
    return catalog_service.list_categories(session)


@router.get("/licenses", response_model=list[LicenseOut], tags=["reference"])
def list_licenses(session: SessionDep) -> list[LicenseOut]:
    return catalog_service.list_licenses(session)
