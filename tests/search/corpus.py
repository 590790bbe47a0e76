"""A generated Japanese catalogue for the search tests, and the ground truth to check against.

The corpus goes through `app.datasets.service.create_dataset` like any user's data. The truth
is computed here from the `DatasetOut` records with plain substring matching
(`matches_substring`) over the fields PRODUCT.md §6 and issue #3 say are searchable, so the
indexes are checked against an independent statement of what should match.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.accounts.actor import SYSTEM, Actor
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate, DatasetOut, ResourceIn
from app.datasets.vocab import STANDARD_KINDS
from app.search.params import FieldFilter
from app.search.query import AnyOf, Query, Term, parse
from app.search.text import matches_substring, normalize

ORGS = ["011002", "131016", "271004", "130001", "soumu", "meti", "mlit"]
CATEGORIES = [
    "population-households",
    "land-weather",
    "social-security-health",
    "justice-safety-environment",
    "transport-tourism",
]
MEASURES = ["02-04", "02-22", "02-24", "02-37"]
LICENSES = ["cc-by-4.0", "pdl-1.0", "cc0-1.0", None]
KINDS = ["aed", "evacuation_space", "school_district", "preschool", "population", None]
FORMATS = ["CSV", "CSV", "PDF", "XLSX", "JSON", ""]
TAGS = ["防災", "避難", "保育", "子育て", "AED", "医療", "観光", "人口", "統計", "河川", "川"]

TITLE_HEADS = [
    "指定緊急避難場所一覧",
    "指定避難所一覧",
    "保育所一覧",
    "認可保育所の空き状況",
    "ほいくしょ案内",
    "ＡＥＤ設置箇所一覧",
    "AED 設置場所",
    "ｶﾅ入力の手引き",
    "一級河川 荒川 水位",
    "川の水位観測",
    "人口推計",
    "令和5年度 予算",
    "令和５年度決算",
    "観光施設一覧",
    "津波避難ビル",
    "公衆トイレ一覧",
    "サ-ビス付き高齢者向け住宅",
    "Open Data カタログ",
    "e-Gov データ",
    "指定避難。難所は",
]
SENTENCES = [
    "災害時の避難場所を掲載しています（指定避難所一覧を含む）。",
    "市内の保育所の定員と空き状況です。",
    "AEDの設置場所を地図で確認できます。",
    "河川の水位を10分ごとに観測しています。",
    "令和5年度の当初予算の概要です。",
    "オープンデータとして公開しています。",
    "ｶﾀｶﾅ表記の施設名を含みます。",
    "ほいくえんの情報は随時更新します。",
    "津波の際は高台へ避難してください。",
    "人口は毎月1日現在の住民基本台帳によります。",
    "CSV形式とPDF形式で提供します。",
    "観光客数の推移を示す統計です。",
]
RESOURCE_NAMES = ["一覧表", "地図データ", "保育所データ", "避難所位置", "年次統計", "README"]


def make_corpus(session: Session, n: int = 100, seed: int = 7) -> list[DatasetOut]:
    """`n` datasets through the service (some private, some drafts); returns them."""
    rnd = random.Random(seed)
    out: list[DatasetOut] = []
    for i in range(n):
        head = TITLE_HEADS[i % len(TITLE_HEADS)]
        title = head if i < len(TITLE_HEADS) else f"{head} {rnd.choice(['第2版', '2024', '更新'])}"
        resources = [
            ResourceIn(
                url=f"https://example.jp/{i}/{k}",
                name=rnd.choice(RESOURCE_NAMES),
                description=rnd.choice(SENTENCES),
                format=rnd.choice(FORMATS),
            )
            for k in range(rnd.randint(0, 3))
        ]
        data = DatasetCreate(
            name=f"ds-{i:03d}",
            title=title,
            notes=" ".join(rnd.sample(SENTENCES, rnd.randint(1, 3))),
            owner_org=ORGS[min(int(rnd.paretovariate(1.2)) - 1, len(ORGS) - 1)],
            tags=rnd.sample(TAGS, rnd.randint(0, 3)),
            categories=rnd.sample(CATEGORIES, rnd.randint(0, 2)),
            measures=rnd.sample(MEASURES, rnd.randint(0, 1)),
            license_id=rnd.choice(LICENSES),
            standard_kind=rnd.choice(KINDS),
            private=rnd.random() < 0.15,
            state="draft" if rnd.random() < 0.06 else "active",
            resources=resources,
        )
        out.append(datasets.create_dataset(session, SYSTEM, data))
    return out


# --------------------------------------------------------------------------- truth

_KIND_TITLES = {k.id: k.title for k in STANDARD_KINDS}


def searchable_values(ds: DatasetOut) -> list[str]:
    org = ds.organization
    values = [
        ds.title,
        ds.notes,
        *ds.tags,
        org.title,
        org.name,
        org.code or "",
        org.prefecture or "",
    ]
    for m in ds.measures:
        values += [m.name, m.title]
    values += [c.title for c in ds.categories]
    for r in ds.resources:
        values += [r.name, r.description, r.format]
    if ds.standard_kind:
        values += [ds.standard_kind, _KIND_TITLES[ds.standard_kind]]
    return [v for v in values if v]


def _term(term: Term, values: list[str]) -> bool:
    return any(matches_substring(term.text, v) for v in values)


def text_matches(query: Query, ds: DatasetOut) -> bool:
    values = searchable_values(ds)
    for clause in query.positive:
        terms = clause.terms if isinstance(clause, AnyOf) else (clause,)
        if not any(_term(t, values) for t in terms):
            return False
    return not any(_term(t, values) for t in query.negative)


def facet_values(ds: DatasetOut, field: str) -> set[str]:
    org = ds.organization
    values: Iterable[str | None]
    if field == "organization":
        values = [org.name]
    elif field == "prefecture":
        values = [org.prefecture]
    elif field == "category":
        values = [c.name for c in ds.categories]
    elif field == "measure":
        values = [m.name for m in ds.measures]
    elif field == "groups":
        values = [c.name for c in ds.categories] + [m.name for m in ds.measures]
    elif field == "tags":
        values = ds.tags
    elif field == "res_format":
        values = [r.format for r in ds.resources]
    elif field == "license_id":
        values = [ds.license.id if ds.license else None]
    elif field == "standard_kind":
        values = [ds.standard_kind]
    elif field == "id":
        values = [ds.id]
    elif field == "name":
        values = [ds.name]
    elif field == "capacity":
        values = ["private" if ds.private else "public"]
    else:
        raise AssertionError(field)
    return {v for v in values if v}


def filter_matches(f: FieldFilter, ds: DatasetOut) -> bool:
    hit = bool(facet_values(ds, f.field) & set(f.values))
    return hit != f.negate


def visible(
    actor: Actor, ds: DatasetOut, *, include_private: bool = True, include_drafts: bool = False
) -> bool:
    if ds.state == "deleted":
        return False
    if ds.private and not include_private:
        return False
    if ds.state == "draft" and not include_drafts:
        return False
    if actor.sysadmin:
        return True
    return (ds.state == "active" and not ds.private) or ds.organization.id in actor.roles


@dataclass
class Truth:
    items: list[DatasetOut]

    def count(self) -> int:
        return len(self.items)

    def ids(self) -> set[str]:
        return {d.id for d in self.items}

    def facet(self, field: str) -> list[tuple[str, int]]:
        counter: Counter[str] = Counter()
        for ds in self.items:
            counter.update(facet_values(ds, field))
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def truth(
    corpus: list[DatasetOut],
    actor: Actor,
    q: str = "",
    filters: Iterable[FieldFilter] = (),
    *,
    include_drafts: bool = False,
    include_private: bool = True,
    extra: Callable[[DatasetOut], bool] | None = None,
) -> Truth:
    from app.search.params import FILTER_FIELDS

    parsed = parse(q, FILTER_FIELDS)
    all_filters = list(filters) + [
        FieldFilter(f.field, f.values, f.negated) for f in parsed.filters
    ]
    query = Query(parsed.positive, parsed.negative)
    items = [
        ds
        for ds in corpus
        if visible(actor, ds, include_private=include_private, include_drafts=include_drafts)
        and text_matches(query, ds)
        and all(filter_matches(f, ds) for f in all_filters)
        and (extra is None or extra(ds))
    ]
    return Truth(items)


def sort_key(sort: str) -> tuple[Callable[[DatasetOut], object], bool]:
    """Python ordering for a sort of SORTS other than relevance: (key, reverse)."""
    field, direction = sort.split()
    reverse = direction == "desc"
    keys: dict[str, Callable[[DatasetOut], object]] = {
        "metadata_modified": lambda d: (d.metadata_modified, d.id),
        "metadata_created": lambda d: (d.metadata_created, d.id),
        "title": lambda d: (normalize(d.title), d.id),
        "name": lambda d: (d.name, d.id),
        "id": lambda d: d.id,
    }
    return keys[field], reverse
