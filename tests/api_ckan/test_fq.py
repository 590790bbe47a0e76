"""fq / fq_list clauses as CKAN clients send them, read into search filters."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.api.ckan.fq import parse_filters
from app.errors import SearchQueryError
from app.search.params import FieldFilter, RangeFilter

NOW = datetime(2024, 5, 10, 12, 30, 15, 123456)


def parse(*texts: str):  # type: ignore[no-untyped-def]
    return parse_filters(list(texts), NOW)


def test_harvester_incremental_range_with_microseconds_and_z() -> None:
    out = parse("metadata_modified:[2024-01-01T00:00:00.000000Z TO *]")
    assert out.ranges == [RangeFilter("metadata_modified", datetime(2024, 1, 1), None)]
    assert out.filters == [] and out.terms == []


def test_range_to_now_with_date_math_and_exclusive_ends() -> None:
    out = parse("metadata_created:[NOW-7DAYS/DAY TO NOW]")
    assert out.ranges == [
        RangeFilter("metadata_created", datetime(2024, 5, 3), NOW),
    ]
    out = parse("metadata_modified:{2024-01-01T00:00:00Z TO 2024-02-01T00:00:00Z}")
    rng = out.ranges[0]
    assert rng.start == datetime(2024, 1, 1, 0, 0, 0, 1)
    assert rng.end == datetime(2024, 1, 31, 23, 59, 59, 999999)
    out = parse("metadata_modified:[NOW/MONTH-1MONTH TO *]")
    assert out.ranges[0].start == datetime(2024, 4, 1)


def test_harvester_org_include_and_exclude_forms() -> None:
    # ckanext-harvest: ' OR '.join('organization:%s'), or one '-organization:%s' per org,
    # all joined with spaces into one fq together with the time range.
    out = parse(
        "organization:011002 OR organization:131016 metadata_modified:[2024-01-01T00:00:00Z TO *]"
    )
    assert out.filters == [FieldFilter("organization", ("011002", "131016"))]
    assert len(out.ranges) == 1
    out = parse("-organization:soumu -organization:meti")
    assert out.filters == [
        FieldFilter("organization", ("soumu",), negate=True),
        FieldFilter("organization", ("meti",), negate=True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("groups:02-22", FieldFilter("groups", ("02-22",))),
        ("tags:防災", FieldFilter("tags", ("防災",))),
        ('tags:"避難 場所"', FieldFilter("tags", ("避難 場所",))),
        ("res_format:CSV", FieldFilter("res_format", ("CSV",))),
        ("license_id:cc-by-4.0", FieldFilter("license_id", ("cc-by-4.0",))),
        ("name:sapporo-aed", FieldFilter("name", ("sapporo-aed",))),
        ("+capacity:public", FieldFilter("capacity", ("public",))),
        ("!tags:old", FieldFilter("tags", ("old",), negate=True)),
        ("NOT tags:old", FieldFilter("tags", ("old",), negate=True)),
        ("tags:(保育 OR 子育て)", FieldFilter("tags", ("保育", "子育て"))),
        ("(organization:a OR organization:b)", FieldFilter("organization", ("a", "b"))),
        ("-(tags:a OR tags:b)", FieldFilter("tags", ("a", "b"), negate=True)),
        (r"tags:a\:b", FieldFilter("tags", ("a:b",))),
        ("tag:x", FieldFilter("tags", ("x",))),
    ],
)
def test_field_clauses(text: str, expected: FieldFilter) -> None:
    assert parse(text).filters == [expected]


def test_fq_list_and_fq_are_all_applied() -> None:
    out = parse("tags:a", "organization:011002 AND res_format:CSV")
    assert [f.field for f in out.filters] == ["tags", "organization", "res_format"]


def test_clauses_ckan_adds_itself_are_no_ops() -> None:
    out = parse('+dataset_type:dataset +state:active +site_id:"default" -dataset_type:harvest')
    assert out.filters == [] and out.ranges == [] and not out.matches_nothing


def test_a_type_nothing_has_matches_nothing() -> None:
    assert parse("dataset_type:harvest").matches_nothing
    assert parse("-dataset_type:dataset").matches_nothing


def test_drafts_by_state_and_owner_org_left_for_the_caller() -> None:
    out = parse("+state:(active OR draft) owner_org:abc-123")
    assert out.include_drafts
    assert out.owner_orgs == [FieldFilter("organization", ("abc-123",))]


def test_bare_words_join_the_text_query() -> None:
    out = parse('保育 "避難 場所" -古い a OR b')
    assert out.terms == ["保育", '"避難 場所"', "-古い", "a OR b"]


@pytest.mark.parametrize(
    "text",
    [
        "tags:(a",
        'tags:"unclosed',
        "metadata_modified:[2024-01-01 TO *",
        "metadata_modified:[yesterday TO *]",
        "metadata_modified:[NOW-3FORTNIGHTS TO *]",
        "metadata_modified:[NOW+99999999YEARS TO *]",
        "metadata_modified:[NOW-999999999999DAYS TO *]",
        "metadata_modified:[2024-01-01T00:00:00ZX TO *]",
        "metadata_modified:[* TO * TO *]",
        "tags:a OR",
        "OR tags:a",
        "tags:a)",
        "(tags:a",
        "tags:",
        "unknown_field:x",
        "extras_spatial:x",
        "tags:ab*",
        "tags:[a TO b]",
        "tags:a OR organization:b",
        "state:draft",
        "-state:active",
        "-(tags:a AND tags:b)",
        "tags:a OR metadata_modified:[* TO NOW]",
    ],
)
def test_what_cannot_be_answered_exactly_is_a_search_query_error(text: str) -> None:
    with pytest.raises(SearchQueryError):
        parse(text)
