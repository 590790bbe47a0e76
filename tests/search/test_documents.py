"""What a dataset contributes to the index: filter and visibility tokens (no database)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from app.search.documents import (
    ACTIVE,
    LISTED,
    PUBLIC,
    exact_key,
    filter_token,
    owner_token,
    visibility_groups,
)
from app.search.text import index_tokens

TOKEN = re.compile(r"[0-9a-z]+")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organization", "011002"),
        ("tags", "防災"),
        ("tags", "ＡＥＤ"),
        ("res_format", "CSV"),
        ("tags", "長" * 60),  # long values are hashed
        ("category", "aaaaaa"),
    ],
)
def test_filter_tokens_are_single_words_never_seen_in_text(field: str, value: str) -> None:
    token = filter_token(field, value)
    assert TOKEN.fullmatch(token)
    assert len(token) < 64
    # a letter then a digit: never an ASCII word of the text stream, never a b…/x… token
    assert token.startswith("q0")
    assert token not in index_tokens(f"{value} {token}")  # text cannot produce it
    assert filter_token(field, value) != filter_token(
        "tags" if field != "tags" else "measure", value
    )


def test_exact_values_give_distinct_tokens() -> None:
    assert filter_token("tags", "防災") != filter_token("tags", "防災 ")
    assert filter_token("res_format", "CSV") != filter_token("res_format", "csv")
    assert owner_token("a" * 36) != owner_token("b" * 36)


def test_fts5_keeps_filter_tokens_whole() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(keys, tokenize='unicode61')")
    tokens = [filter_token("tags", "防災"), owner_token("7f9c-11"), LISTED]
    conn.execute("INSERT INTO t(rowid, keys) VALUES (1, ?)", (" ".join(tokens),))
    for token in tokens:
        assert conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (token,)).fetchall() == [(1,)]


def test_visibility_groups() -> None:
    org = owner_token("org-1")
    assert visibility_groups(False, frozenset(), include_private=True, include_drafts=False) == (
        (LISTED,),
    )
    assert visibility_groups(
        False, frozenset({"org-1"}), include_private=True, include_drafts=False
    ) == ((ACTIVE,), (LISTED, org))
    assert visibility_groups(
        False, frozenset({"org-1"}), include_private=True, include_drafts=True
    ) == ((LISTED, org),)
    assert visibility_groups(
        False, frozenset({"org-1"}), include_private=False, include_drafts=True
    ) == ((PUBLIC,), (LISTED, org))
    assert visibility_groups(True, frozenset(), include_private=True, include_drafts=False) == (
        (ACTIVE,),
    )
    assert visibility_groups(True, frozenset(), include_private=True, include_drafts=True) == ()


def test_exact_key_ignores_spacing_and_punctuation() -> None:
    assert exact_key("AED設置箇所一覧（札幌市）") == exact_key("ＡＥＤ 設置箇所一覧 札幌市")
    assert exact_key("保育所一覧") != exact_key("保育所 一覧表")
