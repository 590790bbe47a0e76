"""The search contract shared by every surface (native API, CKAN package_search, web pages).

`app.search.service.search_datasets(session, actor, params) -> SearchResult` implements it on
SQLite FTS5 and PostgreSQL with identical behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Fields with facet counts. groups = categories and measures (CKAN's view of both).
FACET_FIELDS = frozenset(
    {
        "organization",
        "prefecture",
        "category",
        "measure",
        "groups",
        "tags",
        "res_format",
        "license_id",
        "standard_kind",
    }
)
# Fields a FieldFilter may name: every facet, and the dataset's id, name and capacity.
FILTER_FIELDS = FACET_FIELDS | {"id", "name", "capacity"}
RANGE_FIELDS = frozenset({"metadata_modified", "metadata_created"})
SORTS = frozenset(
    {
        "relevance",
        "metadata_modified desc",
        "metadata_modified asc",
        "metadata_created desc",
        "metadata_created asc",
        "title asc",
        "title desc",
        "name asc",
        "name desc",
        "id asc",
        "id desc",
    }
)


@dataclass(frozen=True)
class FieldFilter:
    """`field` equals one of `values` (OR within a filter; filters are ANDed)."""

    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class RangeFilter:
    """Inclusive range on a timestamp field (naive UTC); None = open end."""

    field: str
    start: datetime | None = None
    end: datetime | None = None
    negate: bool = False


@dataclass
class SearchParams:
    q: str = ""
    filters: list[FieldFilter] = field(default_factory=list)
    ranges: list[RangeFilter] = field(default_factory=list)
    sort: str = "relevance"
    start: int = 0
    rows: int = 20
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50
    facet_mincount: int = 1
    # Private datasets are returned (and counted) only where the actor may read them anyway.
    include_private: bool = True
    include_drafts: bool = False
    cursor: str | None = None


@dataclass
class SearchResult:
    count: int
    ids: list[str]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    next_cursor: str | None = None
