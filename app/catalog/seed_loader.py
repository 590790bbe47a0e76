"""Load the parsed seed (plan, measures, organisations, categories, licences) into the database.

Idempotent: rows are matched by their natural key and only changed columns are written, so a
second run issues no UPDATE and duplicates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.config import Settings
from app.models import (
    Base,
    Catalog,
    Category,
    License,
    Measure,
    MeasureMinistry,
    Organization,
    PlanSection,
    PriorityField,
)
from app.readmodel import service as readmodel
from app.search import service as search
from seed import seed_dir

M = TypeVar("M", bound=Base)

# Tables whose rows' text is in the search documents of datasets, with their key column.
# Rows whose text datasets show (licences: in the stored renderings only, see app.readmodel).
_INDEXED_KEYS = {"organization": "id", "category": "name", "measure": "id", "license": "id"}


@dataclass
class LoadStats:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # Keys of the updated rows whose text the search index holds (table -> keys).
    renamed: dict[str, set[str]] = field(default_factory=dict)
    # Datasets re-indexed because an organisation, category or measure they show changed.
    reindexed: int = 0

    def bump(self, table: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[table] = target.get(table, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _read(name: str) -> Any:
    return json.loads((seed_dir() / name).read_text(encoding="utf-8"))


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ; True if anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    stats: LoadStats,
    existing: dict[Any, M],
    key: Any,
    values: dict[str, Any],
    make: Callable[[], M],
) -> M:
    obj = existing.get(key)
    if obj is None:
        obj = make()
        _assign(obj, values)
        session.add(obj)
        existing[key] = obj
        stats.bump(obj.__tablename__, created=True)
    elif _assign(obj, values):
        stats.bump(obj.__tablename__, created=False)
        if obj.__tablename__ in _INDEXED_KEYS:
            key_column = _INDEXED_KEYS[obj.__tablename__]
            stats.renamed.setdefault(obj.__tablename__, set()).add(getattr(obj, key_column))
    return obj


def load_seed(
    session: Session, settings: Settings, progress: Callable[[str], None] | None = None
) -> LoadStats:
    stats = LoadStats()
    say = progress or (lambda _msg: None)
    say("catalogue, categories, licences")
    _load_catalog(session, stats, settings)
    _load_categories(session, stats)
    _load_licenses(session, stats)
    say("plan structure")
    _load_plan(session, stats)
    say("organisations")
    orgs = _load_organizations(session, stats)
    session.flush()
    say("measures")
    _load_measures(session, stats, orgs)
    session.flush()
    if stats.renamed:
        # Their titles, codes and prefectures are searchable text of datasets.
        say("search index of the datasets they show")
        ids = search.datasets_showing(
            session,
            organizations=stats.renamed.get("organization", set()),
            categories=stats.renamed.get("category", set()),
            measures=stats.renamed.get("measure", set()),
        )
        stats.reindexed = search.reindex_datasets(session, ids)
        # Their stored renderings show them too (deleted datasets' included: editors read them).
        readmodel.rerender(session, readmodel.datasets_showing(session, stats.renamed), settings)
    return stats


# What earlier versions stored as the homepage of a catalogue seeded with the default base URI.
_LEGACY_HOMEPAGE = "http://127.0.0.1:8000/"


def _load_catalog(session: Session, stats: LoadStats, settings: Settings) -> None:
    existing = {c.id: c for c in session.scalars(select(Catalog))}
    root = existing.get(1)
    if root is not None and root.homepage in (_LEGACY_HOMEPAGE, settings.base_uri + "/"):
        # A homepage that is only the site's own root (as earlier versions stored it) becomes
        # "": the site root of whatever CATALOG_BASE_URI is configured when it is read.
        root.homepage = ""
    # Only created once: later edits of the catalogue record are the operator's.
    if 1 not in existing:
        _upsert(
            session,
            stats,
            existing,
            1,
            {
                "title": settings.site_title,
                "title_en": settings.site_title_en,
                "description": (
                    "官民データ活用推進基本計画の施策と、"
                    "府省庁・地方公共団体のオープンデータのカタログ"
                ),
                "publisher_name": settings.publisher_name,
                "homepage": "",  # the site root of the configured base URI
                "language": "ja",
            },
            lambda: Catalog(id=1),
        )


def _load_categories(session: Session, stats: LoadStats) -> None:
    existing = {c.name: c for c in session.scalars(select(Category))}
    for row in _read("categories.json"):
        _upsert(session, stats, existing, row["name"], row, Category)


def _load_licenses(session: Session, stats: LoadStats) -> None:
    existing = {lic.id: lic for lic in session.scalars(select(License))}
    for row in _read("licenses.json"):
        _upsert(session, stats, existing, row["id"], row, License)


def _load_plan(session: Session, stats: LoadStats) -> None:
    plan = _read("plan.json")
    sections = {s.number: s for s in session.scalars(select(PlanSection))}
    for row in plan["sections"]:
        _upsert(session, stats, sections, row["number"], row, PlanSection)
    fields = {f.id: f for f in session.scalars(select(PriorityField))}
    for row in plan["priority_fields"]:
        _upsert(session, stats, fields, row["id"], row, PriorityField)


def _load_organizations(session: Session, stats: LoadStats) -> dict[str, Organization]:
    data = _read("organizations.json")
    existing = {o.name: o for o in session.scalars(select(Organization))}
    for row in data["ministries"]:
        values = {"title": row["title"], "title_en": row["title_en"], "kind": "ministry"}
        _upsert(
            session,
            stats,
            existing,
            row["name"],
            values,
            partial(Organization, name=row["name"]),
        )
    for row in data["local_governments"]:
        values = {
            "title": row["title"],
            "kind": row["kind"],
            "code": row["code"],
            "prefecture": row["prefecture"],
            "prefecture_code": row["prefecture_code"],
            "kana": row["kana"],
        }
        _upsert(
            session,
            stats,
            existing,
            row["code"],
            values,
            partial(Organization, name=row["code"]),
        )
    return existing


def _load_measures(session: Session, stats: LoadStats, orgs: dict[str, Organization]) -> None:
    fields = {f.id: f for f in session.scalars(select(PriorityField))}
    existing = {
        m.id: m
        for m in session.scalars(
            select(Measure).options(
                selectinload(Measure.ministries), selectinload(Measure.priority_fields)
            )
        )
    }
    for row in _read("measures.json"):
        values = {
            "title": row["title"],
            "in_main_text": row["in_main_text"],
            "kpi_progress": row["kpi_progress"],
            "kpi_effect": row["kpi_effect"],
            "summary": row["summary"],
            "section_number": row["section"],
        }
        measure = _upsert(
            session,
            stats,
            existing,
            row["id"],
            values,
            partial(Measure, id=row["id"], ministries=[], priority_fields=[]),
        )
        ministries = [
            {
                "name": m["name"],
                "lead": m["lead"],
                "organization_id": orgs[m["organization"]].id if m["organization"] else None,
                "units": m["units"],
                "and_others": m["and_others"],
            }
            for m in row["ministries"]
        ]
        current = [
            {
                "name": m.name,
                "lead": m.lead,
                "organization_id": m.organization_id,
                "units": m.units,
                "and_others": m.and_others,
            }
            for m in measure.ministries
        ]
        if current != ministries:
            if current:
                # Same (measure, position) keys: delete the old rows before inserting new ones.
                measure.ministries = []
                session.flush()
            measure.ministries = [
                MeasureMinistry(position=i, **values) for i, values in enumerate(ministries)
            ]
            stats.bump("measure_ministry", created=not current)
        wanted = [fields[f] for f in row["priority_fields"]]
        if [f.id for f in measure.priority_fields] != [f.id for f in wanted]:
            measure.priority_fields = wanted
            stats.bump("measure_priority_field", created=True)
