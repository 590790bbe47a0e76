"""Filter-only searches (no keyword: the category, organisation and measure pages, the
home counts) are answered by the in-memory index with the database's results, on both
databases: the same ids in the same order, counts, facets, cursors, and visibility.

What a reader would notice otherwise: a scoped page whose count or facets disagree with
the search page or the API, a private or draft dataset showing on a category page, or a
"next page" that skips or repeats datasets.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from sqlalchemy import select

from app.accounts.actor import ANONYMOUS, SYSTEM, Actor
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate, DatasetOut
from app.db import session_scope
from app.models import Organization
from app.search import memory
from app.search.params import FieldFilter, SearchParams, SearchResult
from app.search.service import search_datasets
from tests.conftest import Backend
from tests.search.corpus import CATEGORIES, FORMATS, MEASURES, ORGS, TAGS, TITLE_HEADS

FACETS = [
    "organization",
    "prefecture",
    "category",
    "measure",
    "tags",
    "res_format",
    "license_id",
    "standard_kind",
]
SCOPES: list[dict[str, tuple[str, ...]]] = [
    {},
    {"category": ("social-security-health",)},
    {"organization": ("011002",)},
    {"measure": ("02-24",)},
    {"category": ("land-weather", "transport-tourism")},
    {"category": ("population-households",), "res_format": ("CSV",)},
    {"organization": ("soumu",), "tags": ("防災",)},
]


def _corpus(backend: Backend) -> list[DatasetOut]:
    rnd = random.Random(14)
    made = []
    with session_scope(backend.sessions) as session:
        for i in range(90):
            data = DatasetCreate(
                name=f"flt-{i:03d}",
                title=rnd.choice(TITLE_HEADS),
                owner_org=rnd.choice(ORGS),
                private=rnd.random() < 0.2,
                state="draft" if rnd.random() < 0.15 else "active",
                tags=rnd.sample(TAGS, rnd.randint(0, 3)),
                categories=rnd.sample(CATEGORIES, rnd.randint(0, 2)),
                measures=rnd.sample(MEASURES, rnd.randint(0, 1)),
                resources=[{"url": f"https://x.jp/{i}", "format": rnd.choice(FORMATS)}],
            )
            made.append(datasets.create_dataset(session, SYSTEM, data))
    return made


def _search(backend: Backend, actor: Actor, params: SearchParams, engine: str) -> SearchResult:
    memory.configure(enabled=engine == "memory")
    before = memory.served["memory"]
    try:
        with session_scope(backend.sessions) as session:
            result = search_datasets(session, actor, params)
    finally:
        memory.configure(enabled=True)
    assert memory.served["memory"] - before == int(engine == "memory"), engine
    return result


def _walk(backend: Backend, actor: Actor, params: SearchParams, engine: str) -> list[object]:
    """Every page by cursor: (count, ids, facets, has next) per page."""
    pages: list[object] = []
    cursor: str | None = None
    for _ in range(30):
        page = dataclasses.replace(params, cursor=cursor)
        result = _search(backend, actor, page, engine)
        pages.append((result.count, result.ids, result.facets, result.next_cursor is not None))
        cursor = result.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("cursor paging did not end")


@pytest.mark.parametrize("sort", ["metadata_modified desc", "metadata_created asc", "relevance"])
def test_scoped_searches_give_the_database_answer_from_memory(backend: Backend, sort: str) -> None:
    made = _corpus(backend)
    with session_scope(backend.sessions) as session:
        org_id = session.scalar(select(Organization.id).where(Organization.name == "011002"))
    assert org_id is not None
    member = Actor(user_id="u-1", name="member", roles={org_id: "editor"})
    readers = [ANONYMOUS, member, SYSTEM]
    for scope in SCOPES:
        filters = [FieldFilter(name, values) for name, values in scope.items()]
        for actor in readers:
            for drafts in (False, True):
                params = SearchParams(
                    filters=filters,
                    sort=sort,
                    rows=7,
                    facet_fields=FACETS,
                    facet_limit=-1,
                    include_drafts=drafts,
                )
                memory_pages = _walk(backend, actor, params, "memory")
                assert memory_pages == _walk(backend, actor, params, "database"), (scope, actor)
                # Offset paging (the web pages' ?page=) too.
                deep = dataclasses.replace(params, start=14)
                mem = _search(backend, actor, deep, "memory")
                db = _search(backend, actor, deep, "database")
                assert (mem.count, mem.ids) == (db.count, db.ids), (scope, actor, "start=14")

    # Anonymous readers see no private or draft dataset, whatever the scope.
    hidden = {ds.id for ds in made if ds.private or ds.state == "draft"}
    assert hidden, "the corpus must hold private and draft datasets"
    everything = SearchParams(rows=1000, facet_fields=["category"], facet_limit=-1)
    shown = _search(backend, ANONYMOUS, everything, "memory")
    assert not hidden & set(shown.ids)
    assert shown.count == len(made) - len(hidden)
    # The organisation's editor sees its private datasets in the scoped search.
    own = SearchParams(filters=[FieldFilter("organization", ("011002",))], rows=1000)
    seen = set(_search(backend, member, own, "memory").ids)
    own_private = {
        ds.id
        for ds in made
        if ds.organization
        and ds.organization.name == "011002"
        and ds.private
        and ds.state == "active"
    }
    assert own_private and own_private <= seen
