"""One search suite for both databases: ~100 generated Japanese datasets, every result, count
and facet checked against plain substring matching over the normalised fields (corpus.py).

Every test runs twice per database: answered by the database's full-text index, and by
the in-memory index (app.search.memory), which must give identical answers; `run` checks
that the path meant was the path taken.

The corpus is built once per backend (module scope) and only read here; tests that write
are in test_backend_writes.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.accounts.actor import ANONYMOUS, SYSTEM, Actor
from app.datasets import service as datasets
from app.datasets.schemas import DatasetOut
from app.db import session_scope
from app.errors import SearchQueryError
from app.search import memory
from app.search.compile import compile_params
from app.search.params import (
    FACET_FIELDS,
    SORTS,
    FieldFilter,
    RangeFilter,
    SearchParams,
    SearchResult,
)
from app.search.service import search_datasets
from app.search.text import normalize
from tests.conftest import Backend, _clean
from tests.search.corpus import Truth, make_corpus, sort_key, truth

ALL_FACETS = sorted(FACET_FIELDS)


ENGINES = ["database", "memory"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    memory.configure(enabled=request.param == "memory")
    yield request.param
    memory.configure(enabled=True)


@pytest.fixture(scope="module")
def corpus(backend_base: Backend, engine: str) -> Iterator[tuple[Backend, list[DatasetOut]]]:
    _clean(backend_base)
    with session_scope(backend_base.sessions) as session:
        items = make_corpus(session)
        # Deleted datasets must vanish from results and counts.
        for gone in items[-3:]:
            datasets.delete_dataset(session, SYSTEM, gone.id)
        items = [datasets.get_dataset(session, SYSTEM, d.id) for d in items]
    yield backend_base, items
    _clean(backend_base)


@pytest.fixture(scope="module")
def org_ids(corpus: tuple[Backend, list[DatasetOut]]) -> dict[str, str]:
    return {d.organization.name: d.organization.id for d in corpus[1]}


def run(backend: Backend, actor: Actor, **kwargs: object) -> SearchResult:
    params = SearchParams(**kwargs)  # type: ignore[arg-type]
    before = memory.served["memory"]
    with session_scope(backend.sessions) as session:
        result = search_datasets(session, actor, params)
    expect_memory = memory.registry.options.enabled and memory.can_serve(
        params, compile_params(params)
    )
    assert memory.served["memory"] - before == int(expect_memory), "answered by the wrong engine"
    return result


def check(result: SearchResult, want: Truth, facets: list[str] | None = None) -> None:
    assert result.count == want.count()
    assert set(result.ids) == want.ids()
    for name in facets or []:
        assert result.facets[name] == want.facet(name), name


QUERIES = [
    "保育",
    "避難",
    "川",
    "保",
    "所",
    "ＡＥＤ",
    "aed",
    "ｶﾅ",
    "カナ",
    "ほいく",
    "ホイク",
    "AED 設置",
    "AED設置",
    "「AED 設置」",
    '"避難 場所"',
    "避難所",
    "指定避難所",
    "保育 OR 避難",
    "避難 -津波",
    '避難 -"避難所"',
    "-避難",
    "令和5年度",
    "令和",
    "5年",
    "札幌",
    "千代田区",
    "北海道",
    "011002",
    "02-22",
    "AEDの設置位置",
    "csv",
    "人口・世帯",
    "社会保障",
    "指定緊急避難場所一覧",
    "evacuation_space",
    "サービス",
    "e-Gov",
    "gov",
    "data",
    "一覧 tags:防災",
    "ｶﾀｶﾅ",
    "総務省",
    "存在しない語",
]


@pytest.mark.parametrize("q", QUERIES)
def test_text_queries_match_ground_truth(corpus: tuple[Backend, list[DatasetOut]], q: str) -> None:
    backend, items = corpus
    result = run(backend, ANONYMOUS, q=q, rows=1000, facet_fields=ALL_FACETS, facet_limit=-1)
    check(result, truth(items, ANONYMOUS, q), ALL_FACETS)


def test_short_queries_find_something(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    # Guard against a vacuous truth: the 1- and 2-character queries do match datasets.
    backend, _items = corpus
    for q in ("保育", "避難", "川", "ＡＥＤ", "ｶﾅ", "ほいく", "AED 設置"):
        assert run(backend, ANONYMOUS, q=q).count > 0, q


def test_phrase_does_not_cross_punctuation(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    # 「指定避難。難所は」 contains 避難 and 難所 but not 避難所.
    trap = next(d for d in items if d.title == "指定避難。難所は")
    assert trap.id in run(backend, ANONYMOUS, q="避難", rows=1000).ids
    assert trap.id not in run(backend, ANONYMOUS, q="避難所", rows=1000).ids


FILTER_CASES = [
    [FieldFilter("organization", ("011002",))],
    [FieldFilter("organization", ("011002", "soumu"))],
    [FieldFilter("organization", ("011002",), negate=True)],
    [FieldFilter("prefecture", ("東京都",))],
    [FieldFilter("category", ("population-households",))],
    [FieldFilter("measure", ("02-22",))],
    [FieldFilter("groups", ("02-24", "land-weather"))],
    [FieldFilter("tags", ("防災",)), FieldFilter("res_format", ("CSV",))],
    [FieldFilter("res_format", ("PDF",), negate=True)],
    [FieldFilter("license_id", ("pdl-1.0",))],
    [FieldFilter("standard_kind", ("aed", "evacuation_space"))],
    [FieldFilter("capacity", ("public",))],
    [FieldFilter("name", ("ds-010", "ds-011", "ds-012"))],
    [FieldFilter("tags", ("存在しない",))],
]


@pytest.mark.parametrize("filters", FILTER_CASES)
@pytest.mark.parametrize("q", ["", "避難", "-保育"])
def test_filters_with_facets(
    corpus: tuple[Backend, list[DatasetOut]], q: str, filters: list[FieldFilter]
) -> None:
    backend, items = corpus
    result = run(
        backend,
        SYSTEM,
        q=q,
        filters=filters,
        rows=1000,
        facet_fields=ALL_FACETS,
        facet_limit=-1,
    )
    check(result, truth(items, SYSTEM, q, filters), ALL_FACETS)


@pytest.mark.parametrize(
    "q",
    [
        "organization:011002",
        "organization:011002 OR organization:soumu 避難",
        "-organization:011002 保育",
        'tags:"防災"',
        "res_format:CSV -tags:保育",
        "groups:02-22",
        "ORGANIZATION:soumu",
    ],
)
def test_filters_inside_q(corpus: tuple[Backend, list[DatasetOut]], q: str) -> None:
    backend, items = corpus
    result = run(backend, ANONYMOUS, q=q, rows=1000, facet_fields=["organization"])
    check(result, truth(items, ANONYMOUS, q), ["organization"])


def test_id_filter_and_ranges(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    some = items[10]
    assert run(backend, SYSTEM, filters=[FieldFilter("id", (some.id,))]).ids == [some.id]
    ordered = sorted(items[3:], key=lambda d: d.metadata_modified)
    lo, hi = ordered[10].metadata_modified, ordered[40].metadata_modified
    inside = RangeFilter("metadata_modified", lo, hi)
    result = run(backend, SYSTEM, ranges=[inside], rows=1000)
    check(result, truth(items, SYSTEM, extra=lambda d: lo <= d.metadata_modified <= hi))
    outside = RangeFilter("metadata_modified", lo, hi, negate=True)
    result = run(backend, SYSTEM, ranges=[outside], rows=1000)
    check(result, truth(items, SYSTEM, extra=lambda d: not lo <= d.metadata_modified <= hi))
    since = RangeFilter("metadata_created", start=ordered[50].metadata_created)
    result = run(backend, SYSTEM, q="避難", ranges=[since], rows=1000)
    want = truth(items, SYSTEM, "避難", extra=lambda d: d.metadata_created >= since.start)  # type: ignore[operator]
    check(result, want)


# --------------------------------------------------------------------------- visibility


@pytest.mark.parametrize("q", ["", "保育", "避難 -津波"])
@pytest.mark.parametrize("drafts", [False, True])
def test_private_and_draft_visibility(
    corpus: tuple[Backend, list[DatasetOut]], org_ids: dict[str, str], q: str, drafts: bool
) -> None:
    backend, items = corpus
    member = Actor(user_id="u1", name="member", roles={org_ids["011002"]: "member"})
    hidden = [d for d in items if d.state != "deleted" and (d.private or d.state == "draft")]
    assert any(d.organization.name == "011002" for d in hidden)
    assert any(d.organization.name != "011002" for d in hidden)
    for actor in (ANONYMOUS, member, SYSTEM):
        result = run(
            backend,
            actor,
            q=q,
            include_drafts=drafts,
            rows=1000,
            facet_fields=ALL_FACETS,
            facet_limit=-1,
        )
        want = truth(items, actor, q, include_drafts=drafts)
        check(result, want, ALL_FACETS)
        # Without facets the count comes from the full-text index alone (visibility tokens).
        check(run(backend, actor, q=q, include_drafts=drafts, rows=1000), want)
        private_only = run(backend, actor, q=q, include_drafts=drafts, include_private=False)
        assert (
            private_only.count
            == truth(items, actor, q, include_drafts=drafts, include_private=False).count()
        )
    anonymous = set(run(backend, ANONYMOUS, q=q, rows=1000, include_drafts=drafts).ids)
    assert not anonymous & {d.id for d in hidden}


def test_include_private_false(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    result = run(backend, SYSTEM, include_private=False, rows=1000, facet_fields=["organization"])
    check(result, truth(items, SYSTEM, include_private=False), ["organization"])
    assert not any(d.private for d in items if d.id in result.ids)


def test_facet_limit_and_mincount(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    result = run(backend, ANONYMOUS, facet_fields=["tags", "groups"], facet_limit=3)
    want = truth(items, ANONYMOUS)
    assert result.facets["tags"] == want.facet("tags")[:3]
    assert result.facets["groups"] == want.facet("groups")[:3]
    result = run(backend, ANONYMOUS, facet_fields=["organization"], facet_mincount=5)
    assert result.facets["organization"] == [kv for kv in want.facet("organization") if kv[1] >= 5]


# --------------------------------------------------------------------------- sorting, paging


@pytest.mark.parametrize("sort", sorted(SORTS - {"relevance"}))
def test_sorts(corpus: tuple[Backend, list[DatasetOut]], sort: str) -> None:
    backend, items = corpus
    key, reverse = sort_key(sort)
    want = sorted(truth(items, SYSTEM, "一覧").items, key=key, reverse=reverse)  # type: ignore[arg-type]
    result = run(backend, SYSTEM, q="一覧", sort=sort, rows=1000)
    assert result.ids == [d.id for d in want]


def test_relevance_exact_title_first_then_title_then_newest(
    corpus: tuple[Backend, list[DatasetOut]],
) -> None:
    backend, items = corpus
    q = "指定避難所一覧"
    result = run(backend, ANONYMOUS, q=q, rows=1000)
    want = truth(items, ANONYMOUS, q).items

    def tier(d: DatasetOut) -> int:
        if normalize(d.title) == q:
            return 0
        return 1 if q in normalize(d.title) else 2

    newest_first = sorted(want, key=lambda d: (d.metadata_modified, d.id), reverse=True)
    expected = sorted(newest_first, key=tier)
    assert result.ids == [d.id for d in expected]
    assert tier(expected[0]) == 0 and any(tier(d) == 2 for d in expected)
    # Exact-title match wins even over newer datasets that only mention it.
    assert items[1].title == q and result.ids[0] == items[1].id


def test_relevance_without_text_is_newest_first(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    want = sorted(truth(items, ANONYMOUS).items, key=lambda d: (d.metadata_modified, d.id))
    assert run(backend, ANONYMOUS, rows=1000).ids == [d.id for d in reversed(want)]


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("q", ["", "避難"])
def test_paging_by_start_and_by_cursor_is_stable(
    corpus: tuple[Backend, list[DatasetOut]], sort: str, q: str
) -> None:
    backend, _items = corpus
    full = run(backend, SYSTEM, q=q, sort=sort, rows=1000)
    by_start: list[str] = []
    for start in range(0, full.count, 7):
        by_start += run(backend, SYSTEM, q=q, sort=sort, start=start, rows=7).ids
    assert by_start == full.ids
    by_cursor: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        page = run(backend, SYSTEM, q=q, sort=sort, rows=7, cursor=cursor)
        assert page.count == full.count
        by_cursor += page.ids
        cursor = page.next_cursor
        if cursor is None:
            break
    assert by_cursor == full.ids


def test_rows_zero_gives_count_and_facets_only(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    result = run(backend, ANONYMOUS, q="避難", rows=0, facet_fields=["res_format"])
    want = truth(items, ANONYMOUS, "避難")
    assert result.ids == [] and result.count == want.count()
    assert result.facets["res_format"] == want.facet("res_format")[:50]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"避難 場所'},
        {"q": "保育 OR"},
        {"q": "OR 保育"},
        {"q": "保育 - 避難"},
        {"q": "tags:"},
        {"q": "tags:a OR 保育"},
        {"sort": "score desc"},
        {"facet_fields": ["notes"]},
        {"filters": [FieldFilter("url", ("x",))]},
        {"filters": [FieldFilter("capacity", ("secret",))]},
        {"ranges": [RangeFilter("title")]},
        {"rows": 5000},
        {"start": -1},
        {"cursor": "not-a-cursor"},
    ],
)
def test_bad_input_is_a_search_query_error(
    corpus: tuple[Backend, list[DatasetOut]], params: dict[str, object]
) -> None:
    backend, _items = corpus
    with pytest.raises(SearchQueryError) as info:
        run(backend, ANONYMOUS, **params)
    assert info.value.status_code == 400 and info.value.message


def test_cursor_of_another_sort_is_refused(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, _items = corpus
    cursor = run(backend, ANONYMOUS, sort="name asc", rows=2).next_cursor
    assert cursor
    with pytest.raises(SearchQueryError, match="sort"):
        run(backend, ANONYMOUS, sort="title asc", rows=2, cursor=cursor)


def test_text_aliases_are_plain_text(corpus: tuple[Backend, list[DatasetOut]]) -> None:
    backend, items = corpus
    result = run(backend, ANONYMOUS, q="title:保育 -notes:津波", rows=1000)
    check(result, truth(items, ANONYMOUS, "保育 -津波"))
    assert run(backend, ANONYMOUS, q="*:*").count == truth(items, ANONYMOUS).count()


@pytest.mark.parametrize("q", ["", "避難", "一覧 -保育", "organization:011002"])
def test_broad_plans_give_the_same_results(
    corpus: tuple[Backend, list[DatasetOut]], q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large result sets take another plan (walk the sort index); force it on this corpus.
    backend, _items = corpus
    for sort in ["relevance", "metadata_modified desc", "name asc"]:
        want = run(backend, SYSTEM, q=q, sort=sort, rows=1000)
        pages = [run(backend, SYSTEM, q=q, sort=sort, start=s, rows=9) for s in (0, 9, 18)]
        monkeypatch.setattr("app.search.service.is_broad", lambda total, need: True)
        broad = run(backend, SYSTEM, q=q, sort=sort, rows=1000)
        broad_pages = [run(backend, SYSTEM, q=q, sort=sort, start=s, rows=9) for s in (0, 9, 18)]
        monkeypatch.undo()
        assert broad.ids == want.ids and broad.count == want.count
        assert [p.ids for p in broad_pages] == [p.ids for p in pages]
