"""Facet counts of the memory index are exact whichever way they are counted, and a repeated
result set is not counted twice but never served stale counts after the index changes.

`facet_counts` counts a multi-valued facet value by value (bitmap cardinalities) or over the
result's rows (numpy), over the result or over the documents outside it, and reuses the counts
of a recent equal result set; all of them must give what counting the documents one by one
gives. (The memory-versus-database suites in test_memory_index.py check the same on real
catalogues, where the corpus is too small to reach every way.)
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from pyroaring import BitMap

from app.search.documents import MULTI_VALUED, SINGLE_VALUED, SearchDocument
from app.search.memory import evaluate
from app.search.memory.index import DocRow, MemoryIndex

TAGS = [f"tag{k}" for k in range(12)]
FORMATS = ["CSV", "PDF", "JSON"]
ORGS = ["011002", "131016", "soumu"]


def _document(slot: int, rnd: random.Random) -> SearchDocument:
    when = datetime(2024, 1, 1) + timedelta(hours=slot)
    return SearchDocument(
        dataset_id=f"id-{slot:05d}",
        name=f"ds-{slot}",
        title="統計データ",
        state="active",
        private=False,
        owner_org=rnd.choice(ORGS),
        metadata_modified=when,
        metadata_created=when,
        body=(),
        facets={
            "organization": (rnd.choice(ORGS),),
            "tags": tuple(rnd.sample(TAGS, rnd.randrange(0, 4))),
            "res_format": tuple(rnd.sample(FORMATS, rnd.randrange(0, 3))),
        },
    )


def _row(slot: int, doc: SearchDocument) -> DocRow:
    return DocRow(
        doc_id=slot,
        dataset_id=doc.dataset_id,
        title_exact=doc.title_exact,
        modified=doc.metadata_modified,
        created=doc.metadata_created,
        single={name: doc.single(name) for name in SINGLE_VALUED},
        packed_facets=doc.packed_facets(),
        texts=doc.texts(),
    )


def _expected(docs: dict[int, SearchDocument], result: BitMap) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {name: Counter() for name in ("organization", *MULTI_VALUED)}
    for slot in result:
        for name, values in docs[slot].facets.items():
            counts[name].update(values)
    return {name: dict(c) for name, c in counts.items()}


@pytest.mark.parametrize("rows_per_value", [0, 10**9], ids=["value-by-value", "by-rows"])
def test_counts_are_exact_both_ways_and_after_changes(
    rows_per_value: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate, "ROWS_PER_VALUE", rows_per_value)
    rnd = random.Random(rows_per_value)
    index = MemoryIndex(epoch=1, generation=1)
    docs = {slot: _document(slot, rnd) for slot in range(1, 401)}
    index.add([_row(slot, doc) for slot, doc in docs.items()])
    single, multi = ["organization"], ["tags", "res_format", "category"]
    everything = BitMap(docs)
    results = [everything, BitMap(), BitMap([7])]
    results += [BitMap(rnd.sample(sorted(docs), k)) for k in (3, 50, 150, 250, 390)]
    for result in results:
        got = evaluate.facet_counts(index, result, single, multi)
        want = _expected(docs, result)
        for name in single + multi:
            assert got[name] == want.get(name, {}), (name, len(result))
        # The same set again (a new bitmap object): the same counts.
        assert evaluate.facet_counts(index, BitMap(result), single, multi) == got

    # The index changes (as a catch-up does: documents, then the generation): counts follow.
    before = evaluate.facet_counts(index, everything, single, multi)
    for slot in (1, 2, 3):
        docs[slot] = _document(slot + 1000, rnd)
    docs[2] = SearchDocument(**{**docs[2].__dict__, "facets": {"tags": ("tag0", "new-tag")}})
    index.add([_row(slot, docs[slot]) for slot in (1, 2, 3)])
    index.generation = 2
    after = evaluate.facet_counts(index, everything, single, multi)  # the same set of slots
    assert after["tags"]["new-tag"] == 1
    assert after != before
    index.remove(4)
    del docs[4]
    index.generation = 3
    everything = BitMap(docs)
    after = evaluate.facet_counts(index, everything, single, multi)
    want = _expected(docs, everything)
    for name in single + multi:
        assert after[name] == want.get(name, {}), name
