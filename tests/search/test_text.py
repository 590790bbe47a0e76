"""Tests for app.search.text: normalisation, index/query tokens, the substring oracle,
and an exhaustive FTS5-vs-oracle check over every short substring of a corpus."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from app.search.text import (
    PREFIX_MARK,
    Segment,
    index_text,
    index_tokens,
    matches_substring,
    normalize,
    query_tokens,
    segments,
)

# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＥＤ", "aed"),  # full-width Latin → ASCII, casefolded
        ("AED設置", "aed設置"),
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana → full-width
        ("ﾊﾞｽ停", "バス停"),  # half-width voiced mark composes
        ("ほいく", "ホイク"),  # hiragana → katakana
        ("ほいくしょ", "ホイクショ"),
        ("こゝろ", "コヽロ"),  # iteration mark folded too
        ("令和５年度", "令和5年度"),  # full-width digit
        ("  保育\u3000\t所\n一覧  ", "保育 所 一覧"),  # whitespace collapsed, U+3000 included
        ("Straße", "strasse"),  # casefold, not lower
        ("サ-ビス", "サービス"),  # ASCII hyphen after kana = long vowel
        ("ｾﾝﾀ-", "センター"),  # half-width typing with '-' at the end
        ("コ—ヒ—", "コーヒー"),  # em dash
        ("デ−タ", "データ"),  # minus sign
        ("サ─ビス", "サービス"),  # box-drawing line
        ("ｻｰﾋﾞｽ", "サービス"),  # half-width prolonged sound mark
        ("e-Gov", "e-gov"),  # hyphen in Latin words kept
        ("テスト-2", "テスト-2"),  # hyphen before a digit kept
        ("東京-大阪", "東京-大阪"),  # hyphen after kanji kept
        ("㈱", "(株)"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    for raw in ["ＡＥＤ設置場所", "ｾﾝﾀ-", "ほいく　しょ", "Straße e-Gov", "令和５年度"]:
        once = normalize(raw)
        assert normalize(once) == once


# --------------------------------------------------------------------------- segments


def test_digits_split_cjk_runs() -> None:
    assert segments(normalize("令和５年度")) == [
        Segment("令和", True),
        Segment("5", False),
        Segment("年度", True),
    ]


def test_letters_and_digits_are_separate_words() -> None:
    assert [s.text for s in segments(normalize("COVID-19 R5年"))] == [
        "covid",
        "19",
        "r",
        "5",
        "年",
    ]


def test_punctuation_splits_runs_and_middle_dot_is_punctuation() -> None:
    assert [s.text for s in segments(normalize("指定避難。難所は・ホイク「川」"))] == [
        "指定避難",
        "難所ハ",
        "ホイク",
        "川",
    ]


def test_iteration_and_closing_marks_are_cjk() -> None:
    assert segments(normalize("人々 〆切 二〇二四")) == [
        Segment("人々", True),
        Segment("〆切", True),
        Segment("二〇二四", True),
    ]


# --------------------------------------------------------------------------- tokens


def test_index_tokens_worked_example() -> None:
    # aed | 設置場所 (bigrams + run end) | 5 | 年 (run end only)
    assert index_tokens("ＡＥＤ設置場所 5年") == [
        "aed",
        "b08a2d07f6e",  # 設置
        "b07f6e05834",  # 置場
        "b0583406240",  # 場所
        "b0624000000",  # 所 + run end
        "5",
        "b05e7400000",  # 年 + run end
    ]
    assert index_text("ＡＥＤ設置場所 5年") == " ".join(index_tokens("AED設置場所 5年"))


def test_query_tokens() -> None:
    assert query_tokens("避難所") == ["b0907f096e3", "b096e306240"]
    assert query_tokens("避難") == ["b0907f096e3"]
    assert query_tokens("川") == ["b05ddd" + PREFIX_MARK]
    assert query_tokens("ＡＥＤ") == ["aed"]
    assert query_tokens("AED設置") == ["aed", "b08a2d07f6e"]
    # a run followed by more of the term must end there: run-end token
    assert query_tokens("設置AED") == ["b08a2d07f6e", "b07f6e00000", "aed"]
    assert query_tokens("和5年") == ["b0548c00000", "5", "b05e74" + PREFIX_MARK]
    assert query_tokens("。、") == []


_TOKEN = re.compile(r"[0-9a-z]+")


@pytest.mark.parametrize(
    "text",
    [
        "café Ünïcödé мир 한국어 ΑΒΓ",
        "emoji 🎉 ☆ ★ ♪ 〜 ～ ‼",
        "𠮷野家 𩸽",  # CJK extension B
        "e-Gov_data v1.2.3 user@example.go.jp https://www.e-gov.go.jp/",
        "٣٤ ²³ Ⅻ ① ㍻",
    ],
)
def test_tokens_are_ascii_words(text: str) -> None:
    tokens = index_tokens(text)
    assert tokens
    assert all(_TOKEN.fullmatch(t) for t in tokens), tokens
    for seg in segments(normalize(text)):
        for t in query_tokens(seg.text):
            assert _TOKEN.fullmatch(t.removesuffix(PREFIX_MARK)), t


def test_encoded_tokens_never_collide_with_words() -> None:
    # Words that look like encoded tokens are split into letters/digits, so cannot collide.
    assert index_tokens("b04fdd080b2") == ["b", "04", "fdd", "080", "b", "2"]
    assert "b04fdd080b2" in index_tokens("保育")
    assert index_tokens("x0000e9") == ["x", "0000", "e", "9"]


# --------------------------------------------------------------------------- oracle


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("避難所", "指定避難所一覧", True),
        ("避難所", "指定避難。難所は", False),  # the trap: no match across runs
        ("避難所", "避難 所在地", False),
        ("避難 所", "避難 所在地", True),
        ("保", "保育所", True),
        ("所", "保育所", True),
        ("ほいく", "ホイク", True),
        ("AED", "ＡＥＤ設置場所", True),
        ("AE", "AED設置場所", False),  # words match whole words only
        ("AED設置", "AED設置場所一覧", True),
        ("AED設置", "AED 設置場所", True),  # separators between segments are ignored
        ("ED設置", "AED設置場所", False),
        ("設置AED", "新設置AED", True),  # first run: suffix of its text run
        ("設AED", "設置AED", False),
        ("和5年", "令和5年度", True),
        ("和5", "令和5年度", True),
        ("令和5年度", "令和５年度", True),
        ("5年", "令和15年", False),
        ("京都", "東京都の公園", True),
        ("。", "anything", True),  # nothing searchable: empty substring
    ],
)
def test_matches_substring(term: str, text: str, expected: bool) -> None:
    assert matches_substring(term, text) is expected


def test_pure_cjk_terms_are_plain_substrings() -> None:
    text = "指定緊急避難場所・避難所（令和6年4月1日現在）ほいくしょ"
    norm = normalize(text)
    for i in range(len(norm)):
        for j in range(i + 1, min(len(norm), i + 7) + 1):
            term = norm[i:j]
            segs = segments(term)
            if len(segs) == 1 and segs[0].cjk and segs[0].text == term:
                assert matches_substring(term, text) is (term in norm)


# --------------------------------------------------------------------------- FTS5

EXHAUSTIVE_CORPUS = [
    "保育所一覧",
    "認可保育所の空き状況",
    "指定緊急避難場所一覧",
    "避難所",
    "指定避難。難所は",
    "避難 所在地",
    "AED設置場所",
    "ＡＥＤ設置施設（全国）",
    "ｶﾅ入力の手引き",
    "令和5年度 予算",
    "令和５年度決算",
    "川の水位観測",
    "一級河川 荒川",
    "ほいくしょ一覧",
    "サ-ビス付き高齢者向け住宅",
    "e-Gov データポータル",
    "COVID-19 感染者数 R5",
    "東京都の公園",
    "京都府 観光統計",
    "人々の暮らし",
    "川",
]


def _fts5_phrase(tokens: list[str]) -> str:
    phrase = '"' + " ".join(t.removesuffix(PREFIX_MARK) for t in tokens) + '"'
    return phrase + "*" if tokens[-1].endswith(PREFIX_MARK) else phrase


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError:
        pytest.skip(f"SQLite {sqlite3.sqlite_version} was built without FTS5")
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='unicode61', prefix='6')")
    conn.executemany(
        "INSERT INTO docs(rowid, body) VALUES (?, ?)",
        [(i, index_text(t)) for i, t in enumerate(EXHAUSTIVE_CORPUS)],
    )
    yield conn
    conn.close()


def _all_terms() -> list[str]:
    """Every substring (up to 6 characters) of every normalised corpus text."""
    terms: set[str] = set()
    for text in EXHAUSTIVE_CORPUS:
        norm = normalize(text)
        for i in range(len(norm)):
            for j in range(i + 1, min(len(norm), i + 6) + 1):
                terms.add(norm[i:j])
    terms.update(["ＡＥＤ", "ほいく", "ｶﾅ", "避難所", "保", "京都", "ae", "covid19", "人"])
    return sorted(terms)


def test_fts5_matches_oracle_for_every_short_substring(fts: sqlite3.Connection) -> None:
    checked = 0
    for term in _all_terms():
        tokens = query_tokens(term)
        if not tokens:
            continue
        got = {
            row[0]
            for row in fts.execute(
                "SELECT rowid FROM docs WHERE docs MATCH ?", (_fts5_phrase(tokens),)
            )
        }
        want = {i for i, t in enumerate(EXHAUSTIVE_CORPUS) if matches_substring(term, t)}
        assert got == want, (term, tokens)
        checked += 1
    assert checked > 500


def test_fts5_trap_and_short_words(fts: sqlite3.Connection) -> None:
    def hits(term: str) -> set[str]:
        expr = _fts5_phrase(query_tokens(term))
        return {
            EXHAUSTIVE_CORPUS[r[0]]
            for r in fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,))
        }

    assert hits("避難所") == {"避難所"}
    assert hits("川") == {"川の水位観測", "一級河川 荒川", "川"}
    assert hits("保育") == {"保育所一覧", "認可保育所の空き状況"}
    assert hits("ほいく") == {"ほいくしょ一覧"}
    assert hits("カナ") == {"ｶﾅ入力の手引き"}
    assert hits("aed") == {"AED設置場所", "ＡＥＤ設置施設（全国）"}
    assert hits("サービス") == {"サ-ビス付き高齢者向け住宅"}
