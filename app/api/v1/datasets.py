"""Native REST API: datasets and their resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel

from app.api.auth import ActorDep, SessionDep
from app.api.json_input import CheckedJSONRoute
from app.common.bounds import MAX_INTEGER
from app.datasets import resources as resource_service
from app.datasets import service
from app.datasets.languages import LANG_PATTERN, in_language
from app.datasets.schemas import (
    DatasetCreate,
    DatasetOut,
    DatasetPage,
    DatasetPatch,
    DatasetUpdate,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
)
from app.errors import Invalid, NotFound, PreconditionFailed
from app.readmodel import service as readmodel
from app.timeutil import Timestamp, UtcDateTime

router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=CheckedJSONRoute)


class ActivityOut(BaseModel):
    id: int
    timestamp: Timestamp
    activity_type: str
    user_id: str | None
    changes: dict[str, object]


def etag(ds: DatasetOut) -> str:
    return etag_of(ds.id, ds.revision)


def etag_of(dataset_id: str, revision: int) -> str:
    return f'"{dataset_id}.{revision}"'


def _http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


def parse_if_match(value: str | None, dataset_id: str) -> int | None:
    """The revision named by an If-Match header, or None when there is no header."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    ident, _, revision = tag.rpartition(".")
    if ident != dataset_id or not (revision.isascii() and revision.isdigit()):
        raise PreconditionFailed("If-Match does not name the current version of this dataset")
    return int(revision)


def _with_etag(response: Response, ds: DatasetOut) -> DatasetOut:
    response.headers["ETag"] = etag(ds)
    response.headers["Last-Modified"] = _http_date(ds.metadata_modified)
    return ds


LangQuery = Annotated[
    str | None,
    Query(
        pattern=LANG_PATTERN,
        description="BCP 47 tag: title, notes and resource texts in this language where the "
        "dataset has them (RFC 4647 basic filtering, `en` matches `en-GB`)",
    ),
]


@router.get("", response_model=DatasetPage)
def list_datasets(
    session: SessionDep,
    actor: ActorDep,
    organization: str | None = None,
    q: str | None = None,
    category: str | None = None,
    measure: str | None = None,
    tag: str | None = None,
    modified_since: UtcDateTime | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_INTEGER)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    cursor: str | None = None,
    lang: LangQuery = None,
) -> DatasetPage:
    found = service.list_datasets(
        session,
        actor,
        organization=organization,
        q=q,
        category=category,
        measure=measure,
        tag=tag,
        modified_since=modified_since,
        page=page,
        limit=limit,
        cursor=cursor,
    )
    if lang:
        found = found.model_copy(update={"items": [in_language(d, lang) for d in found.items]})
    return found


@router.post("", response_model=DatasetOut, status_code=201)
def create_dataset(
    session: SessionDep, actor: ActorDep, data: DatasetCreate, response: Response
) -> DatasetOut:
    ds = service.create_dataset(session, actor, data)
    response.headers["Location"] = f"/api/v1/datasets/{ds.id}"
    return _with_etag(response, ds)


@router.get("/{ref}", response_model=DatasetOut, responses={304: {"description": "Not modified"}})
def get_dataset(
    session: SessionDep,
    actor: ActorDep,
    ref: str,
    request: Request,
    response: Response,
    lang: LangQuery = None,
) -> DatasetOut | Response:
    # The stored record is the dataset's own language; ?lang= renders afresh.
    stored = None if lang else readmodel.v1_record(session, actor, ref)
    if stored is not None:
        tag = etag_of(stored.dataset_id, stored.revision)
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        headers = {"ETag": tag, "Last-Modified": _http_date(stored.metadata_modified)}
        return Response(stored.body, media_type="application/json", headers=headers)
    ds = service.get_dataset(session, actor, ref)
    if not lang and request.headers.get("if-none-match") == etag(ds):
        return Response(status_code=304, headers={"ETag": etag(ds)})
    return in_language(_with_etag(response, ds), lang)


@router.put("/{ref}", response_model=DatasetOut)
def replace_dataset(
    session: SessionDep,
    actor: ActorDep,
    ref: str,
    data: DatasetUpdate,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> DatasetOut:
    current = service.get_dataset(session, actor, ref, for_update=True)
    revision = parse_if_match(if_match, current.id)
    ds = service.update_dataset(session, actor, ref, data, mode="replace", if_match=revision)
    return _with_etag(response, ds)


@router.patch("/{ref}", response_model=DatasetOut)
def patch_dataset(
    session: SessionDep,
    actor: ActorDep,
    ref: str,
    data: DatasetPatch,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> DatasetOut:
    current = service.get_dataset(session, actor, ref, for_update=True)
    revision = parse_if_match(if_match, current.id)
    ds = service.update_dataset(session, actor, ref, data, mode="patch", if_match=revision)
    return _with_etag(response, ds)


@router.delete("/{ref}", status_code=204)
def delete_dataset(session: SessionDep, actor: ActorDep, ref: str, purge: bool = False) -> Response:
    """Withdraw a dataset (soft delete); `?purge=true` removes it for good (sysadmin)."""
    if purge:
        service.purge_dataset(session, actor, ref)
    else:
        service.delete_dataset(session, actor, ref)
    return Response(status_code=204)


@router.get("/{ref}/activity", response_model=list[ActivityOut])
def dataset_activity(
    session: SessionDep,
    actor: ActorDep,
    ref: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 31,
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
) -> list[ActivityOut]:
    rows = service.activity_list(session, actor, ref, limit=limit, offset=offset)
    return [
        ActivityOut(
            id=a.id,
            timestamp=a.timestamp,
            activity_type=a.activity_type,
            user_id=a.user_id,
            changes=a.changes,
        )
        for a in rows
    ]


@router.get("/{ref}/resources", response_model=list[ResourceOut])
def list_resources(session: SessionDep, actor: ActorDep, ref: str) -> list[ResourceOut]:
    return service.get_dataset(session, actor, ref).resources


@router.post("/{ref}/resources", response_model=ResourceOut, status_code=201)
def create_resource(
    session: SessionDep, actor: ActorDep, ref: str, data: ResourceIn
) -> ResourceOut:
    return resource_service.create_resource(session, actor, ref, data)


def _resource_in_dataset(session: SessionDep, actor: ActorDep, ref: str, resource_id: str) -> None:
    ds = service.get_dataset(session, actor, ref)
    if all(r.id != resource_id for r in ds.resources):
        raise NotFound(f"Resource {resource_id!r} not found in dataset {ref!r}")


@router.get("/{ref}/resources/{resource_id}", response_model=ResourceOut)
def get_resource(session: SessionDep, actor: ActorDep, ref: str, resource_id: str) -> ResourceOut:
    _resource_in_dataset(session, actor, ref, resource_id)
    return resource_service.get_resource(session, actor, resource_id)


@router.put("/{ref}/resources/{resource_id}", response_model=ResourceOut)
def replace_resource(
    session: SessionDep, actor: ActorDep, ref: str, resource_id: str, data: ResourceIn
) -> ResourceOut:
    _resource_in_dataset(session, actor, ref, resource_id)
    if data.id not in (None, resource_id):
        raise Invalid("The id in the body differs from the URL", {"id": ["Must match the URL"]})
    return resource_service.update_resource(session, actor, resource_id, data)


@router.patch("/{ref}/resources/{resource_id}", response_model=ResourceOut)
def patch_resource(
    session: SessionDep, actor: ActorDep, ref: str, resource_id: str, data: ResourcePatch
) -> ResourceOut:
    _resource_in_dataset(session, actor, ref, resource_id)
    return resource_service.update_resource(session, actor, resource_id, data)


@router.delete("/{ref}/resources/{resource_id}", status_code=204)
def delete_resource(session: SessionDep, actor: ActorDep, ref: str, resource_id: str) -> Response:
    _resource_in_dataset(session, actor, ref, resource_id)
    resource_service.delete_resource(session, actor, resource_id)
    return Response(status_code=204)
