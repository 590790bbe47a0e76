"""Plain-text cleaning against the OWASP XSS filter-evasion examples, as properties.

The vectors in tests/fixtures/owasp_xss_vectors.json are a representative selection of the OWASP
"XSS Filter Evasion Cheat Sheet" (case tricks, entity and numeric encodings, unclosed tags,
malformed attributes, raw-text elements, comments, CDATA, split keywords), plus entity-encoded
and nested-encoded variants. Whatever surrounds or encodes them, the cleaned text must hold no
markup and no entity a browser would decode, and the ordinary text around them must survive.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.common.text import clean_tag, clean_text

VECTORS: list[str] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "owasp_xss_vectors.json").read_text("utf-8")
)
# What a browser's tokenizer reads as the start of a tag, end tag, comment or declaration.
TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
# Prose without markup characters: Japanese, Latin, digits, punctuation, spaces, newlines.
SAFE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("東京都保育所避難場所データ一覧テストｶﾀｶﾅabcXYZ0123456789 .,;:()-_/'\"=+*%#@!?\n")
    ),
    max_size=40,
)


def assert_plain(text: str) -> None:
    assert TAG_OPEN.search(text) is None, text
    assert html.unescape(text) == text, text  # no entity left to become markup later
    assert clean_text(text, multiline=True) == text  # a fixed point: cleaning again changes nothing


def _encodings(vector: str) -> list[str]:
    once = html.escape(vector, quote=False)
    numeric = "".join(f"&#{ord(c)};" if c in "<>" else c for c in vector)
    return [vector, vector.swapcase(), once, html.escape(once, quote=False), numeric]


@pytest.mark.parametrize("vector", VECTORS)
def test_every_owasp_vector_and_its_encodings_come_out_without_markup(vector: str) -> None:
    for variant in _encodings(vector):
        assert_plain(clean_text(variant, multiline=True))
        single = clean_text(variant)
        assert TAG_OPEN.search(single) is None and html.unescape(single) == single


@settings(max_examples=300, deadline=None)
@given(
    prefix=SAFE_TEXT,
    suffix=SAFE_TEXT,
    vector=st.sampled_from(VECTORS),
    encoding=st.integers(min_value=0, max_value=4),
)
def test_vectors_inside_prose_leave_the_prose_and_no_markup(
    prefix: str, suffix: str, vector: str, encoding: int
) -> None:
    variant = _encodings(vector)[encoding]
    out = clean_text(f"{prefix}\n{variant}\n{suffix}", multiline=True)
    assert_plain(out)
    # The prose before the markup is untouched (the markup cannot swallow text before it).
    first = prefix.strip().split("\n")[0].strip()
    assert out.startswith(first)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_cleans_to_a_fixed_point_without_markup(text: str) -> None:
    assert_plain(clean_text(text, multiline=True))
    single = clean_text(text)
    assert TAG_OPEN.search(single) is None and clean_text(single) == single


@settings(max_examples=200, deadline=None)
@given(SAFE_TEXT)
def test_prose_without_markup_is_kept(text: str) -> None:
    assert clean_text(text) == " ".join(text.split())


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("&lt;img src=x onerror=alert(1)&gt;", ""),
        ("<img src=x onerror=alert(1)//", ""),
        ("前<img src=x onerror=alert(1)//", "前"),
        ("a < b", "a < b"),
        ("AT&T と A & B", "AT&T と A & B"),
        ("1 &lt; 2", "1 < 2"),
        ("東京都の<b>保育所</b>一覧", "東京都の保育所一覧"),
        ("<script>alert(1)</script>避難場所", "避難場所"),
    ],
)
def test_examples(given_text: str, expected: str) -> None:
    assert clean_text(given_text) == expected


def test_line_breaks_stay_in_multi_line_fields() -> None:
    notes = "1行目\n2行目 a < b\n\n<p>段落</p><p>次の段落<br>改行</p>"
    assert clean_text(notes, multiline=True) == "1行目\n2行目 a < b\n\n段落\n\n次の段落\n改行"


def test_fullwidth_brackets_in_tags_do_not_turn_into_markup() -> None:
    # NFKC maps ＜ to <, so a tag is cleaned after width normalisation.
    assert clean_tag("＜script＞alert(1)＜/script＞") == ""
