"""The memory index's term matching against the substring oracle, without a database.

Its phrase matching takes shortcuts (adjacent-pair bitmaps, and no stream check when the inner
tokens occur once); these texts are built to break them if they were wrong: every pair of a
phrase present but the phrase absent, phrases repeated, a phrase split by a run boundary.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.search.documents import IndexTexts
from app.search.memory.evaluate import Matcher
from app.search.memory.index import DocRow, MemoryIndex
from app.search.query import Term
from app.search.text import index_text, matches_substring, normalize, query_tokens
from tests.search.test_text import EXHAUSTIVE_CORPUS

TRAPS = [
    "子育て。育て支援",  # every pair of 子育て支援, never the phrase
    "子育て支援と子育て支援",  # the phrase twice
    "支援子育て 育て支援子",
    "避難所避難所",
    "難所避難",
    "令和5年度 和5 5年",
    "和5年 令和5",
    "指定緊急避難。緊急避難場所",
    "ほいくほいく ほい",
    "AED AED設置 設置AED",
]
TEXTS = EXHAUSTIVE_CORPUS + TRAPS
MOMENT = datetime(2026, 11, 22, 12, 0)


def row(doc_id: int, title: str, body: str) -> DocRow:
    return DocRow(
        doc_id=doc_id,
        dataset_id=f"ds-{doc_id:03d}",
        title_exact=normalize(title),
        modified=MOMENT,
        created=MOMENT,
        single={},
        packed_facets="",
        texts=IndexTexts(title=index_text(title), body=index_text(body), keys=""),
    )


@pytest.fixture(scope="module")
def index() -> MemoryIndex:
    index = MemoryIndex(epoch=1, generation=0)
    # Each text once as a title (with an unrelated body) and once as a body.
    rows = [row(2 * i + 1, text, "無関係な説明") for i, text in enumerate(TEXTS)]
    rows += [row(2 * i + 2, "題", text) for i, text in enumerate(TEXTS)]
    index.add(rows[:7])  # in several batches, as a load does
    index.add(rows[7:])
    return index


def terms() -> list[str]:
    found: set[str] = set()
    for text in TEXTS:
        norm = normalize(text)
        for i in range(len(norm)):
            for j in range(i + 1, min(len(norm), i + 7) + 1):
                found.add(norm[i:j])
    return sorted(t for t in found if query_tokens(t) and '"' not in t)


def test_every_short_substring_matches_the_oracle(index: MemoryIndex) -> None:
    matcher = Matcher(index)
    checked = 0
    for term in terms():
        want_title = {2 * i + 1 for i, t in enumerate(TEXTS) if matches_substring(term, t)}
        want_body = {2 * i + 2 for i, t in enumerate(TEXTS) if matches_substring(term, t)}
        if matches_substring(term, "無関係な説明"):
            want_body |= {2 * i + 1 for i in range(len(TEXTS))}
        if matches_substring(term, "題"):
            want_title |= {2 * i + 2 for i in range(len(TEXTS))}
        got = set(matcher.term(Term(term, quoted=True)))
        assert got == want_title | want_body, term
        in_title = set(matcher.term(Term(term, quoted=True), title=True))
        assert in_title == want_title, term
        checked += 1
    assert checked > 800


def test_pairs_without_the_phrase_do_not_match(index: MemoryIndex) -> None:
    matcher = Matcher(index)
    hits = {TEXTS[(slot - 1) // 2] for slot in matcher.term(Term("子育て支援"))}
    assert "子育て。育て支援" not in hits
    assert {"子育て支援と子育て支援"} <= hits
    assert "令和5年度 和5 5年" in {TEXTS[(s - 1) // 2] for s in matcher.term(Term("和5年"))}


def test_updates_and_removals_leave_no_trace(index: MemoryIndex) -> None:
    fresh = MemoryIndex(epoch=1, generation=0)
    fresh.add([row(1, "保育所一覧", "子育て支援")])
    fresh.add([row(1, "避難所", "指定緊急避難場所")])  # the same slot, new text
    matcher = Matcher(fresh)
    assert set(matcher.term(Term("保育"))) == set()
    assert set(matcher.term(Term("子育て支援"))) == set()
    assert set(matcher.term(Term("緊急避難"))) == {1}
    fresh.remove(1)
    assert len(fresh) == 0
    assert not fresh.postings and not fresh.pairs and not fresh.repeated
    assert not fresh.title_postings and not fresh.title_pairs and not fresh.exact_titles
