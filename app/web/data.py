"""What each page shows, gathered from the domain services (the same ones the APIs call, so
visibility, counts and validation are decided there once). No SQL here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.catalog.schemas import CategoryOut
from app.datasets import service as dataset_service
from app.datasets.schemas import DatasetOut
from app.datasets.vocab import STANDARD_KINDS
from app.measures.schemas import MeasureOut
from app.organizations import service as org_service
from app.organizations.schemas import OrganizationOut
from app.search import service as search_service
from app.search.params import SearchParams
from app.web import reference
from app.web.search_state import SearchState, query_words, snippet

MUNICIPALITIES_TOTAL = 1788  # 47 prefectures + 1,741 municipalities (総務省 code list)
NEWEST = 6
KIND_TITLES = {kind.id: kind.title for kind in STANDARD_KINDS}


@dataclass
class Hit:
    dataset: DatasetOut
    snippet: object
    formats: list[str]


@dataclass
class Results:
    state: SearchState
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    titles: dict[str, dict[str, str]]
    last_page: int

    def title(self, name: str, value: str) -> str:
        return self.titles.get(name, {}).get(value, value)


def search(session: Session, actor: Actor, state: SearchState) -> Results:
    """One page of results with every facet, for the search page or a scoped list."""
    result = search_service.search_datasets(session, actor, state.params())
    titles = search_service.facet_titles(session, result.facets)
    # Chips show titles too, also for values the facet lists did not include.
    for name, values in state.filters.items():
        missing = [v for v in values if v not in titles.get(name, {})]
        if missing and name != "standard_kind":
            titles.setdefault(name, {}).update(
                search_service.facet_titles(session, {name: [(v, 0) for v in missing]})[name]
            )
    words = query_words(state.q)
    hits = [
        Hit(
            dataset=ds,
            snippet=snippet(ds.notes, words),
            formats=sorted({r.format for r in ds.resources if r.format}),
        )
        for ds in search_service.datasets_for(session, result.ids)
    ]
    last_page = max(1, -(-result.count // max(1, state.params().rows)))
    return Results(state, result.count, hits, result.facets, titles, last_page)


@dataclass
class Section:
    number: int
    title: str
    article: str | None
    measures: list[MeasureOut] = field(default_factory=list)


def sections(measures: list[MeasureOut]) -> list[Section]:
    """Measures grouped by the plan's sections, in section order."""
    by_number: dict[int, Section] = {}
    for m in measures:
        section = by_number.setdefault(m.section, Section(m.section, m.section_title, m.article))
        section.measures.append(m)
    return [by_number[n] for n in sorted(by_number)]


@dataclass
class Home:
    dataset_count: int
    organizations_publishing: int
    municipalities_publishing: int
    municipalities_total: int
    categories: list[CategoryOut]
    sections: list[Section]
    newest: list[DatasetOut]
    prefectures: list[OrganizationOut]


def home(session: Session, actor: Actor) -> Home:
    """Counts are of what `actor` may see (the search service's visibility rule)."""
    params = SearchParams(
        sort="metadata_modified desc",
        rows=NEWEST,
        facet_fields=["organization", "category"],
        facet_limit=-1,
    )
    result = search_service.search_datasets(session, actor, params)
    publishers = [name for name, n in result.facets.get("organization", []) if n > 0]
    kinds = reference.organization_kinds(session)
    category_counts = dict(result.facets.get("category", []))
    categories = [
        c.model_copy(update={"dataset_count": category_counts.get(c.name, 0)})
        for c in reference.categories(session)
    ]
    prefectures = reference.prefectures(session)
    return Home(
        dataset_count=result.count,
        organizations_publishing=len(publishers),
        municipalities_publishing=sum(
            1 for n in publishers if kinds.get(n) in ("municipality", "prefecture")
        ),
        municipalities_total=MUNICIPALITIES_TOTAL,
        categories=categories,
        sections=sections(reference.measures(session)),
        newest=search_service.datasets_for(session, result.ids),
        prefectures=list(prefectures),
    )


def measure_filters(measures: list[MeasureOut]) -> tuple[list[str], list[tuple[str, str]]]:
    """The ministries and priority fields the measures name (for the list's filter form)."""
    ministries = sorted({x.name for m in measures for x in m.ministries})
    fields = {f.id: f.name for m in measures for f in m.priority_fields}
    return ministries, sorted(fields.items())


def filter_measures(
    measures: list[MeasureOut], ministry: str, priority_field: str
) -> list[MeasureOut]:
    out = measures
    if ministry:
        out = [m for m in out if any(x.name == ministry for x in m.ministries)]
    if priority_field:
        out = [m for m in out if any(f.id == priority_field for f in m.priority_fields)]
    return out


def visible_activity(session: Session, actor: Actor, ds: DatasetOut) -> list[object]:
    """The dataset's history as the APIs show it to `actor` (the dataset service applies
    the one visibility rule: outsiders see only what was recorded while it was public)."""
    return list(dataset_service.activity_list(session, actor, ds.id, limit=20))


def municipalities_of(session: Session, prefecture: OrganizationOut) -> list[OrganizationOut]:
    page = org_service.list_organizations(
        session, kind="municipality", prefecture=prefecture.prefecture_code, limit=2000
    )
    return list(page.items)


def group_by_prefecture(orgs: list[OrganizationOut]) -> dict[str, list[OrganizationOut]]:
    grouped: dict[str, list[OrganizationOut]] = defaultdict(list)
    for org in orgs:
        grouped[org.prefecture or ""].append(org)
    return grouped


def category_counts(session: Session, actor: Actor) -> dict[str, int]:
    """Datasets per category that `actor` may see (the search's facet counts)."""
    params = SearchParams(rows=0, facet_fields=["category"], facet_limit=-1)
    result = search_service.search_datasets(session, actor, params)
    return dict(result.facets.get("category", []))


def organization_counts(session: Session, actor: Actor) -> dict[str, int]:
    """Datasets per organisation name that `actor` may see (the search's facet counts)."""
    params = SearchParams(rows=0, facet_fields=["organization"], facet_limit=-1)
    result = search_service.search_datasets(session, actor, params)
    return dict(result.facets.get("organization", []))


def measures_with_counts(session: Session, actor: Actor) -> list[MeasureOut]:
    """Every measure, with the number of its datasets `actor` may see (search facets)."""
    params = SearchParams(rows=0, facet_fields=["measure"], facet_limit=-1)
    counts = dict(search_service.search_datasets(session, actor, params).facets.get("measure", []))
    return [
        m.model_copy(update={"dataset_count": counts.get(m.id, 0)})
        for m in reference.measures(session)
    ]
