"""Tests for app.search.query: the parser, the renderers, and end-to-end searches on a
real SQLite FTS5 table and a real PostgreSQL GIN-indexed tsvector, both checked
against the matches_substring oracle."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.search.query import (
    MAX_TERMS,
    AnyOf,
    Filter,
    Query,
    QuerySyntaxError,
    Term,
    parse,
    to_fts5,
    to_fts5_any,
    to_tsquery,
)
from app.search.text import index_text, matches_substring, normalize, query_tokens

FIELDS = frozenset({"tags", "organization", "res_format"})

# --------------------------------------------------------------------------- parser


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("保育 避難", Query(positive=(Term("保育"), Term("避難")))),
        ("保育\u3000避難", Query(positive=(Term("保育"), Term("避難")))),  # full-width space
        ("  保育  ", Query(positive=(Term("保育"),))),
        ("ＡＥＤ", Query(positive=(Term("AED"),))),  # NFKC applied to term text
        ('"避難 場所"', Query(positive=(Term("避難 場所", quoted=True),))),
        ("＂避難　場所＂", Query(positive=(Term("避難 場所", quoted=True),))),  # NFKC: ＂ → "
        # Only ASCII double quotes make phrases:
        ("“避難 場所”", Query(positive=(Term("“避難"), Term("場所”")))),
        ("「避難 場所」", Query(positive=(Term("「避難"), Term("場所」")))),
        ("a b OR c", Query(positive=(Term("a"), AnyOf((Term("b"), Term("c")))))),
        ("a OR b OR c", Query(positive=(AnyOf((Term("a"), Term("b"), Term("c"))),))),
        ('"a b" OR c d', Query(positive=(AnyOf((Term("a b", True), Term("c"))), Term("d")))),
        ("a or b", Query(positive=(Term("a"), Term("or"), Term("b")))),  # lowercase: a term
        ('a "OR" b', Query(positive=(Term("a"), Term("OR", True), Term("b")))),
        ("a -OR", Query(positive=(Term("a"),), negative=(Term("OR"),))),
        ("避難 -津波", Query(positive=(Term("避難"),), negative=(Term("津波"),))),
        (
            '避難 -"津波 避難"',
            Query(positive=(Term("避難"),), negative=(Term("津波 避難", True),)),
        ),
        ("避難 －津波", Query(positive=(Term("避難"),), negative=(Term("津波"),))),  # NFKC －
        ("e-Gov", Query(positive=(Term("e-Gov"),))),  # '-' inside a word is not exclusion
        (
            "tags:防災 避難",
            Query(positive=(Term("避難"),), filters=(Filter("tags", ("防災",)),)),
        ),
        (
            'tags:"防災 計画"',
            Query(filters=(Filter("tags", ("防災 計画",)),)),
        ),
        ("ＴＡＧＳ：防災", Query(filters=(Filter("tags", ("防災",)),))),  # NFKC + any case
        ("-res_format:PDF", Query(filters=(Filter("res_format", ("PDF",), negated=True),))),
        (
            "res_format:CSV OR res_format:JSON 人口",
            Query(
                positive=(Term("人口"),),
                filters=(Filter("res_format", ("CSV", "JSON")),),
            ),
        ),
        ("url:http://x", Query(positive=(Term("url:http://x"),))),  # unknown field: a term
        ("tags:a:b", Query(filters=(Filter("tags", ("a:b",)),))),
        ("。 保育 、", Query(positive=(Term("保育"),))),  # nothing searchable: dropped
        ('"" 保育', Query(positive=(Term("保育"),))),
        ("保育 OR 。", Query(positive=(Term("保育"),))),
        ("", Query()),
    ],
)
def test_parse(q: str, expected: Query) -> None:
    assert parse(q, FIELDS) == expected


def test_a_clause_repeated_is_said_once() -> None:
    # Each clause costs the database an index probe: 2,500 copies of one word took ~88 s.
    fields = frozenset({"res_format"})
    assert parse("川 " * 2500, fields) == Query(positive=(Term("川"),))
    assert parse("川 -犬 res_format:CSV 川 -犬 res_format:CSV 海", fields) == Query(
        positive=(Term("川"), Term("海")),
        negative=(Term("犬"),),
        filters=(Filter("res_format", ("CSV",)),),
    )


def test_terms_with_the_same_tokens_are_one() -> None:
    # 川↑ and "川" index as 川 does: the same probe, said once (the first spelling is kept).
    assert parse('川 川↑ "川" 川。 -犬 -犬!') == Query(
        positive=(Term("川"),), negative=(Term("犬"),)
    )
    assert parse("river RIVER River") == Query(positive=(Term("river"),))
    assert parse("a OR b  b OR a") == Query(positive=(AnyOf((Term("a"), Term("b"))),))


def test_a_query_of_more_than_max_terms_is_refused_with_what_to_do() -> None:
    words = [f"w{i}" for i in range(MAX_TERMS)]
    assert len(parse(" ".join(words)).positive) == MAX_TERMS
    with pytest.raises(QuerySyntaxError, match="at most 100 are allowed") as caught:
        parse(" ".join(words) + " -extra")
    assert caught.value.kind == "too_many_terms"
    with pytest.raises(QuerySyntaxError, match="101 different search terms"):
        parse(" OR ".join([*words, "extra"]))


def test_a_word_of_more_than_max_tokens_is_refused_and_or_spellings_are_one() -> None:
    # One 14,000-character word made PostgreSQL fail ("stack depth limit exceeded").
    with pytest.raises(QuerySyntaxError, match="too long to search") as caught:
        parse("川" * 14_000)
    assert caught.value.kind == "too_many_terms"
    assert parse("川" * 900).positive == (Term("川" * 900),)
    spellings = " OR ".join("川" + "。" * k for k in range(1, 150))
    assert parse(spellings) == Query(positive=(Term("川。"),))


def test_parse_without_fields_treats_everything_as_terms() -> None:
    assert parse("tags:防災") == Query(positive=(Term("tags:防災"),))


def test_query_parts() -> None:
    q = parse('保育 川 OR 海 -津波 tags:防災 -organization:"内閣府"', FIELDS)
    assert q.positive == (Term("保育"), AnyOf((Term("川"), Term("海"))))
    assert q.negative == (Term("津波"),)
    assert q.filters == (
        Filter("tags", ("防災",)),
        Filter("organization", ("内閣府",), negated=True),
    )
    assert q.has_text
    assert not parse("tags:防災", FIELDS).has_text


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ('"避難 場所', "unbalanced quote"),
        ('避難 "場所', "unbalanced quote"),
        ('a "b" "c', "position 7"),
        ('tags:"防災', "unbalanced quote"),
        ("OR 避難", "dangling OR"),
        ("避難 OR", "dangling OR"),
        ("避難 OR OR 場所", "dangling OR"),
        ("-", "lone '-'"),
        ("避難 - 場所", "lone '-'"),
        ("避難 -", "lone '-'"),
        ("tags:", "empty value"),
        ("tags: 防災", "empty value"),
        ('tags:""', "empty value"),
        ('tags:"  "', "empty value"),
        ("-避難 OR 場所", "excluded"),
        ("避難 OR -場所", "excluded"),
        ("tags:防災 OR 避難", "not a mix"),
        ("tags:防災 OR organization:内閣府", "not a mix"),
    ],
)
def test_parse_errors(q: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        parse(q, FIELDS)


def test_syntax_error_is_a_value_error() -> None:
    assert issubclass(QuerySyntaxError, ValueError)


# --------------------------------------------------------------------------- renderers


def test_renderers() -> None:
    q = parse('AED 避難所 OR 川 -"指定 避難" tags:防災', FIELDS)
    aed, hinanjo, kawa = "aed", "b0907f096e3 b096e306240", "b05ddd"
    shitei = "b0630705b9a b05b9a00000 b0907f096e3"
    assert to_fts5(q) == f'("{aed}" AND ("{hinanjo}" OR "{kawa}"*)) NOT ("{shitei}")'
    assert to_tsquery(q) == (
        "'aed' & (('b0907f096e3' <-> 'b096e306240') | 'b05ddd':*)"
        " & !('b0630705b9a' <-> 'b05b9a00000' <-> 'b0907f096e3')"
    )


def test_renderers_all_negative_and_empty() -> None:
    q = parse("-津波 -川", FIELDS)
    with pytest.raises(ValueError, match="positive"):
        to_fts5(q)
    assert to_fts5_any(q.negative) == '"b06d2506ce2" OR "b05ddd"*'
    assert to_tsquery(q) == "!'b06d2506ce2' & !'b05ddd':*"
    with pytest.raises(ValueError):
        to_tsquery(parse("tags:防災", FIELDS))


# --------------------------------------------------------------------------- end to end

CORPUS = [
    "保育所一覧",  # 0
    "認可保育所の空き状況",  # 1
    "指定緊急避難場所一覧",  # 2
    "避難所",  # 3
    "指定避難。難所は",  # 4  trap: must not match 避難所
    "AED設置場所",  # 5
    "ＡＥＤ設置施設（全国）",  # 6
    "ｶﾅ入力の手引き",  # 7
    "令和5年度 予算",  # 8
    "令和５年度決算",  # 9
    "川の水位観測",  # 10
    "一級河川 荒川",  # 11
    "ほいくしょ一覧",  # 12
    "ホイクショ検索",  # 13
    "サ-ビス付き高齢者向け住宅",  # 14
    "サービス一覧",  # 15
    "e-Gov データポータル",  # 16
    "COVID-19 感染者数",  # 17
    "人口推計（令和2年10月1日現在）",  # 18
    "東京都の公園",  # 19
    "京都府 観光統計",  # 20
    "都市公園 R5",  # 21
    "Open Data カタログ",  # 22
    "避難行動要支援者名簿",  # 23
    "津波避難ビル",  # 24
    "AED",  # 25
    "川崎市 保育園",  # 26
    "避難 所在地",  # 27  also must not match 避難所
    "気象庁 天気予報",  # 28
    "保健所",  # 29
]

# query → expected row numbers (also checked against the oracle, so both are verified)
CASES: dict[str, set[int]] = {
    "川": {10, 11, 26},
    "保": {0, 1, 26, 29},
    "避難": {2, 3, 4, 23, 24, 27},
    "避難所": {3},
    "保育": {0, 1, 26},
    "保育所": {0, 1},
    "緊急避難場所": {2},
    "津波避難ビル": {24},
    "ほいく": {12, 13},
    "ホイクショ": {12, 13},
    "ｶﾅ": {7},
    "サービス": {14, 15},
    "高齢者向け": {14},
    "AED": {5, 6, 25},
    "ａｅｄ": {5, 6, 25},
    "AED設置": {5, 6},
    "ED": set(),
    "令和5年度": {8, 9},
    "令和": {8, 9, 18},
    "5年": {8, 9},
    "京都": {19, 20},
    "e-Gov": {16},
    "gov": {16},
    "COVID-19": {17},
    "R5": {21},
    "data": {22},
    '"避難 所"': {27},
    '"指定避難。難所"': {4},
    "公園 OR 観光": {19, 20, 21},
    "避難 -津波": {2, 3, 4, 23, 27},
    '避難 -"避難所" -場所': {4, 23, 24, 27},
    "保育 OR 避難 一覧": {0, 2},
    "令和 -決算": {8, 18},
    "川 保育": {26},
    "避難所 OR 保健所 OR 川": {3, 10, 11, 26, 29},
    "tags:防災 避難所": {3},
}


def _oracle(query: Query, text: str) -> bool:
    def term(t: Term) -> bool:
        return matches_substring(t.text, text)

    for clause in query.positive:
        if isinstance(clause, Term) and not term(clause):
            return False
        if isinstance(clause, AnyOf) and not any(term(t) for t in clause.terms):
            return False
    return not any(term(t) for t in query.negative)


@pytest.mark.parametrize(("q", "expected"), list(CASES.items()))
def test_oracle_agrees_with_expectations(q: str, expected: set[int]) -> None:
    query = parse(q, FIELDS)
    assert {i for i, t in enumerate(CORPUS) if _oracle(query, t)} == expected


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError:
        pytest.skip(f"SQLite {sqlite3.sqlite_version} was built without FTS5")
    # Two indexed columns (as the catalogue would have): phrases never span columns.
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5("
        "title, notes, tokenize='unicode61 remove_diacritics 0', prefix='6')"
    )
    conn.executemany(
        "INSERT INTO docs(rowid, title, notes) VALUES (?, ?, ?)",
        [(i, index_text(t), index_text("説明")) for i, t in enumerate(CORPUS)],
    )
    yield conn
    conn.close()


@pytest.mark.parametrize(("q", "expected"), list(CASES.items()))
def test_fts5_search(fts: sqlite3.Connection, q: str, expected: set[int]) -> None:
    expr = to_fts5(parse(q, FIELDS))
    got = {r[0] for r in fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,))}
    assert got == expected, expr


def test_fts5_all_negative_query(fts: sqlite3.Connection) -> None:
    q = parse("-避難 -川 -保", FIELDS)
    rows = fts.execute(
        "SELECT rowid FROM docs WHERE rowid NOT IN (SELECT rowid FROM docs WHERE docs MATCH ?)",
        (to_fts5_any(q.negative),),
    )
    assert {r[0] for r in rows} == {i for i, t in enumerate(CORPUS) if _oracle(q, t)}


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    # tests/pg_cluster.py honours $CATALOG_TEST_POSTGRES_URL or starts a throwaway cluster.
    from tests.pg_cluster import PostgresNotAvailable, start_cluster

    try:
        cluster = start_cluster()
    except PostgresNotAvailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        url = make_url(cluster.url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            conn.execute("CREATE TEMP TABLE docs (id int PRIMARY KEY, body text, tsv tsvector)")
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO docs (id, body, tsv) VALUES (%s, %s, to_tsvector('simple', %s))",
                    [(i, t, index_text(t)) for i, t in enumerate(CORPUS)],
                )
            conn.execute("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
            conn.execute("ANALYZE docs")
            conn.execute("SET enable_seqscan = off")  # exercise the GIN index
            yield conn
    finally:
        cluster.stop()


def _pg_ids(conn: psycopg.Connection[tuple[object, ...]], tsquery: str) -> set[object]:
    rows = conn.execute(
        "SELECT id FROM docs WHERE tsv @@ to_tsquery('simple', %s)", (tsquery,)
    ).fetchall()
    return {r[0] for r in rows}


def test_pg_tokens_survive_the_parser(pg: psycopg.Connection[tuple[object, ...]]) -> None:
    text = "ＡＥＤ設置場所 令和5年度 café COVID-19 𠮷野家"
    row = pg.execute(
        "SELECT array_agg(lexeme ORDER BY pos) FROM ("
        "  SELECT lexeme, unnest(positions) AS pos FROM unnest(to_tsvector('simple', %s))"
        ") s",
        (index_text(text),),
    ).fetchone()
    assert row is not None
    assert row[0] == index_text(text).split()


@pytest.mark.parametrize(("q", "expected"), list(CASES.items()))
def test_pg_search(pg: psycopg.Connection[tuple[object, ...]], q: str, expected: set[int]) -> None:
    tsq = to_tsquery(parse(q, FIELDS))
    assert _pg_ids(pg, tsq) == expected, tsq


def test_pg_all_negative_query(pg: psycopg.Connection[tuple[object, ...]]) -> None:
    q = parse("-避難 -川 -保", FIELDS)
    want = {i for i, t in enumerate(CORPUS) if _oracle(q, t)}
    assert want
    assert _pg_ids(pg, to_tsquery(q)) == want


def test_pg_matches_oracle_for_every_short_substring(
    pg: psycopg.Connection[tuple[object, ...]],
) -> None:
    terms: set[str] = set()
    for text in CORPUS:
        norm = normalize(text)
        for i in range(len(norm)):
            for j in range(i + 1, min(len(norm), i + 4) + 1):
                terms.add(norm[i:j])
    checked = 0
    for term in sorted(terms):
        if not query_tokens(term) or '"' in term:
            continue
        # quote the term so that it is one phrase whatever it contains
        query = Query(positive=(Term(term, quoted=True),))
        want = {i for i, t in enumerate(CORPUS) if matches_substring(term, t)}
        assert _pg_ids(pg, to_tsquery(query)) == want, term
        checked += 1
    assert checked > 300
