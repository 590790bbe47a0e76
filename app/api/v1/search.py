"""Native REST API: dataset search with facets (PRODUCT.md §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.api.auth import ActorDep, SessionDep
from app.common.bounds import MAX_INTEGER
from app.datasets.schemas import DatasetOut
from app.errors import SearchQueryError
from app.readmodel import render
from app.readmodel import service as readmodel
from app.search import service
from app.search.params import FACET_FIELDS, FILTER_FIELDS, FieldFilter, RangeFilter, SearchParams
from app.search.query import QuerySyntaxError, parse
from app.timeutil import UtcDateTime, to_naive_utc

router = APIRouter(tags=["search"])

MAX_LIMIT = 1000


class FacetValue(BaseModel):
    value: str
    count: int
    title: str | None = None


class SearchPage(BaseModel):
    count: int
    items: list[DatasetOut]
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None = None


def _fq_filters(fq: list[str]) -> list[FieldFilter]:
    """`fq=organization:011002`, `fq=-res_format:PDF`, `fq=tags:a OR tags:b`."""
    filters: list[FieldFilter] = []
    for text in fq:
        try:
            parsed = parse(text, FILTER_FIELDS)
        except QuerySyntaxError as exc:
            raise SearchQueryError(f"Cannot parse fq {text!r}: {exc}", {"fq": [str(exc)]}) from None
        if parsed.has_text or not parsed.filters:
            raise SearchQueryError(
                f"fq {text!r} is not a field:value filter "
                f"(fields: {', '.join(sorted(FILTER_FIELDS))})",
                {"fq": ["Expected field:value"]},
            )
        filters += [FieldFilter(f.field, f.values, f.negated) for f in parsed.filters]
    return filters


def _range(field: str, start: datetime | None, end: datetime | None) -> list[RangeFilter]:
    # Timestamps are stored naive UTC; an offset in the request is honoured.
    start = to_naive_utc(start) if start else None
    end = to_naive_utc(end) if end else None
    return [RangeFilter(field, start, end)] if start or end else []


@router.get("/search", response_model=SearchPage)
def search(
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str, Query(description='words (ANDed), "phrases", OR, -exclusion')] = "",
    organization: Annotated[list[str], Query(description="organisation name(s), OR")] = [],  # noqa: B006
    prefecture: Annotated[list[str], Query()] = [],  # noqa: B006
    category: Annotated[list[str], Query()] = [],  # noqa: B006
    measure: Annotated[list[str], Query()] = [],  # noqa: B006
    tags: Annotated[list[str], Query()] = [],  # noqa: B006
    res_format: Annotated[list[str], Query()] = [],  # noqa: B006
    license_id: Annotated[list[str], Query()] = [],  # noqa: B006
    standard_kind: Annotated[list[str], Query()] = [],  # noqa: B006
    fq: Annotated[
        list[str], Query(description="filters in the query language: -field:value, a OR b")
    ] = [],  # noqa: B006
    modified_since: UtcDateTime | None = None,
    modified_until: UtcDateTime | None = None,
    created_since: UtcDateTime | None = None,
    created_until: UtcDateTime | None = None,
    sort: Annotated[str, Query(description="relevance, metadata_modified desc, ...")] = (
        "relevance"
    ),
    page: Annotated[int, Query(ge=1, le=MAX_INTEGER)] = 1,
    limit: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 20,
    cursor: str | None = None,
    facet: Annotated[list[str], Query(description=", ".join(sorted(FACET_FIELDS)))] = [],  # noqa: B006
    facet_limit: Annotated[int, Query(ge=-1, le=1000)] = 50,
    facet_mincount: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 1,
    include_drafts: bool = False,
) -> Response:
    by_field = {
        "organization": organization,
        "prefecture": prefecture,
        "category": category,
        "measure": measure,
        "tags": tags,
        "res_format": res_format,
        "license_id": license_id,
        "standard_kind": standard_kind,
    }
    filters = [FieldFilter(name, tuple(v)) for name, v in by_field.items() if v]
    params = SearchParams(
        q=q,
        filters=filters + _fq_filters(fq),
        ranges=_range("metadata_modified", modified_since, modified_until)
        + _range("metadata_created", created_since, created_until),
        sort=sort,
        start=(page - 1) * limit,
        rows=limit,
        facet_fields=facet,
        facet_limit=facet_limit,
        facet_mincount=facet_mincount,
        include_drafts=include_drafts,
        cursor=cursor,
    )
    result = service.search_datasets(session, actor, params)
    titles = service.facet_titles(session, result.facets)
    # The page's stored native records (app.readmodel), spliced as they are: the bytes
    # SearchPage would serialise them to, without loading and validating each dataset.
    body: dict[str, Any] = {
        "count": result.count,
        "items": _items(session, actor, result.ids),
        "facets": {
            name: [{"value": v, "count": n, "title": titles[name].get(v)} for v, n in pairs]
            for name, pairs in result.facets.items()
        },
        "next_cursor": result.next_cursor,
    }
    return Response(orjson.dumps(body), media_type="application/json")


def _items(session: Session, actor: Actor, ids: list[str]) -> list[Any]:
    """Stored records in result order; datasets without a row are rendered afresh."""
    stored = readmodel.v1_records(session, actor, ids)
    missing = [dataset_id for dataset_id, body in stored if body is None]
    fresh = {ds.id: ds for ds in service.datasets_for(session, missing)} if missing else {}
    items: list[Any] = []
    for dataset_id, body in stored:
        if body is not None:
            items.append(orjson.Fragment(body))
        elif dataset_id in fresh:
            items.append(orjson.Fragment(render.v1_record(fresh[dataset_id])))
    return items
