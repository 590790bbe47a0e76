"""BCP 47 matching (RFC 4647 basic filtering), dct:language forms, dates as written."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from rdflib import Literal, URIRef

from app.dcat.codec import pick_text
from app.dcat.dates import as_written_lex, read_written
from app.dcat.langtags import language_code, matches, repair

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("tag", "wanted", "expected"),
    [
        ("ja", "ja", True),
        ("ja-JP", "ja", True),
        ("JA-jp", "ja", True),
        ("ja-Jpan-JP", "ja", True),
        ("jav", "ja", False),  # a prefix only on subtag boundaries
        ("en", "en-GB", False),
        ("de-CH", "*", True),
        (None, None, True),
        ("ja", None, False),
    ],
)
def test_basic_filtering(tag: str | None, wanted: str | None, expected: bool) -> None:
    assert matches(tag, wanted) is expected


def test_japanese_title_is_found_whatever_its_region_subtag() -> None:
    titles = [Literal("Rainfall observations", lang="en"), Literal("降水量の観測", lang="ja-JP")]
    assert pick_text(titles, "ja") == "降水量の観測"
    german = [Literal("Précipitations", lang="fr"), Literal("Niederschlag", lang="de-CH")]
    assert pick_text(german, "de") == "Niederschlag"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("http://publications.europa.eu/resource/authority/language/DEU", "de"),
        ("https://publications.europa.eu/resource/authority/language/jpn", "ja"),
        ("http://lexvo.org/id/iso639-3/fra", "fr"),
        ("http://id.loc.gov/vocabulary/iso639-2/ger", "de"),
        ("de", "de"),
        ("ITA", "it"),
        ("en-GB", "en"),
        ("https://example.org/lang/xx", None),
    ],
)
def test_dataset_language_from_every_form(value: str, code: str | None) -> None:
    assert language_code(value) == code


def test_malformed_tags_are_repaired_or_refused() -> None:
    assert repair("ja_JP") == "ja-JP" and repair(" en ") == "en" and repair("!!") is None


@pytest.mark.parametrize(
    ("lex", "dtype", "start", "end", "precision"),
    [
        ("2019", "gYear", date(2019, 1, 1), date(2019, 12, 31), "year"),
        ("2020-02", "gYearMonth", date(2020, 2, 1), date(2020, 2, 29), "month"),
        ("2019-04-01", "date", date(2019, 4, 1), date(2019, 4, 1), "date"),
        # The calendar date as written: 1 April in Japan, not 31 March in UTC.
        ("2019-04-01T00:00:00+09:00", "dateTime", date(2019, 4, 1), date(2019, 4, 1), "datetime"),
    ],
)
def test_dates_keep_their_calendar_value_and_precision(
    lex: str, dtype: str, start: date, end: date, precision: str
) -> None:
    found = read_written(Literal(lex, datatype=URIRef(XSD + dtype)))
    assert found is not None
    assert (found.start, found.end, found.precision) == (start, end, precision)


def test_a_kept_lexical_form_is_used_only_while_it_still_denotes_the_value() -> None:
    assert as_written_lex("2019", date(2019, 1, 1)) == "2019"
    assert as_written_lex("2019", date(2020, 1, 1)) is None  # edited since: plain date
    moment = datetime(2019, 3, 31, 15, 0)  # naive UTC
    assert as_written_lex("2019-04-01T00:00:00+09:00", moment) == "2019-04-01T00:00:00+09:00"
