"""Native REST API: harvest sources, run requests, jobs and their reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.auth import ActorDep, SessionDep
from app.api.json_input import CheckedJSONRoute
from app.common.bounds import MAX_INTEGER
from app.errors import Invalid
from app.harvest import service
from app.harvest.schemas import (
    RECORD_STATUSES,
    JobOut,
    JobReport,
    SourceIn,
    SourceOut,
    SourcePatch,
)

router = APIRouter(prefix="/harvest", tags=["harvest"], route_class=CheckedJSONRoute)


@router.get("/sources", response_model=list[SourceOut])
def list_sources(session: SessionDep) -> list[SourceOut]:
    return service.list_sources(session)


@router.post("/sources", response_model=SourceOut, status_code=201)
def create_source(
    session: SessionDep, actor: ActorDep, data: SourceIn, response: Response
) -> SourceOut:
    """Register a source (admin of the owner organisation, or sysadmin)."""
    out = service.create_source(session, actor, data)
    response.headers["Location"] = f"/api/v1/harvest/sources/{out.name}"
    return out


@router.get("/sources/{name}", response_model=SourceOut)
def get_source(session: SessionDep, name: str) -> SourceOut:
    return service.get_source(session, name)


@router.patch("/sources/{name}", response_model=SourceOut)
def update_source(session: SessionDep, actor: ActorDep, name: str, data: SourcePatch) -> SourceOut:
    return service.update_source(session, actor, name, data)


@router.delete("/sources/{name}", status_code=204)
def delete_source(session: SessionDep, actor: ActorDep, name: str) -> Response:
    """Remove the source and its job reports; the datasets it brought in stay."""
    service.delete_source(session, actor, name)
    return Response(status_code=204)


@router.post("/sources/{name}/jobs", response_model=JobOut, status_code=202)
def request_job(
    session: SessionDep,
    actor: ActorDep,
    name: str,
    full: Annotated[bool, Query(description="full run: also detects deletions")] = False,
) -> JobOut:
    """Queue a run now; a worker (or the scheduler of `catalog serve`) runs it."""
    return service.request_job(session, actor, name, full=full)


@router.get("/sources/{name}/jobs", response_model=list[JobOut])
def source_jobs(
    session: SessionDep, name: str, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> list[JobOut]:
    return service.list_jobs(session, name, limit)


@router.get("/jobs", response_model=list[JobOut])
def jobs(session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[JobOut]:
    return service.list_jobs(session, None, limit)


@router.get("/jobs/{job_id}", response_model=JobReport)
def job_report(
    session: SessionDep,
    actor: ActorDep,
    job_id: str,
    status: Annotated[str | None, Query(description=", ".join(RECORD_STATUSES))] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
) -> JobReport:
    """The job's stats and message, and its records with remote id/URL, status, message.

    A record's dataset (id and name) is shown only to those who may read that dataset."""
    if status is not None and status not in RECORD_STATUSES:
        raise Invalid(
            f"status must be one of {', '.join(RECORD_STATUSES)}", {"status": ["Unknown"]}
        )
    return service.job_report(session, job_id, actor, status=status, limit=limit, offset=offset)
