"""Reading オープンデータ一覧 files: encodings, XLSX cells, headers by name, dates, limits."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.bulk.normalise import DateError, parse_date, parse_period, parse_size
from app.bulk.open_data_list import ListRefused, parse
from tests.bulk.lists import HEADERS, row, to_csv, to_xlsx

CP932_ONLY = "①㈱髙﨑"  # NEC/IBM extensions: in CP932, not in plain Shift_JIS


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp932", "cp932")],
)
def test_csv_encodings_are_detected_and_reported(encoding: str, expected: str) -> None:
    data = to_csv([row(1, **{"データセット_タイトル": f"{CP932_ONLY}の施設"})], encoding)
    parsed = parse(data)
    assert parsed.encoding == expected
    assert parsed.rows[0].values["dataset_title"] == f"{CP932_ONLY}の施設"
    assert parsed.rows[0].number == 2  # the header is row 1, as in Excel


def test_plain_shift_jis_cannot_hold_cp932_characters_but_cp932_reads_them() -> None:
    with pytest.raises(UnicodeEncodeError):
        CP932_ONLY.encode("shift_jis")
    assert (
        parse(to_csv([row(1, **{"ファイル_説明": "㈱髙島屋"})], "cp932"))
        .rows[0]
        .values["file_description"]
        == "㈱髙島屋"
    )


def test_xlsx_date_cells_and_numeric_codes_become_text() -> None:
    data = to_xlsx(
        [row(1, **{"全国地方公共団体コード": 11002, "データセット_公開日": datetime(2024, 1, 19)})]
    )
    parsed = parse(data)
    assert parsed.encoding == "xlsx"
    values = parsed.rows[0].values
    assert values["published_date"] == "2024-01-19"
    assert values["municipality_code"] == "11002"


def test_headers_read_by_name_in_any_order_with_aliases_and_unknown_columns_kept() -> None:
    headers = list(reversed(HEADERS))
    headers[headers.index("ファイル形式")] = "ファイル_形式"
    headers.remove("データセット_関連ドキュメント")  # the 41-column variant
    headers.append("庁内管理番号")
    data = to_csv([row(1, 庁内管理番号="A-17", ファイル_形式="xlsx")], headers=headers)
    parsed = parse(data)
    values = parsed.rows[0].values
    assert values["file_format"] == "xlsx"
    assert values["dataset_title"] == "公共施設一覧 その1"
    assert parsed.unknown_headers == ["庁内管理番号"]
    assert parsed.rows[0].unknown == {"庁内管理番号": "A-17"}


def test_blank_rows_are_skipped_but_row_numbers_stay_those_of_excel() -> None:
    data = to_csv([row(1), {}, row(3)])
    assert [r.number for r in parse(data).rows] == [2, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/1/19", date(2024, 1, 19)),
        ("2024-01-19", date(2024, 1, 19)),
        ("2024年1月19日", date(2024, 1, 19)),
        ("２０２４／１／１９", date(2024, 1, 19)),
        ("2024/1/19 0:00", date(2024, 1, 19)),
        ("令和6年1月19日", date(2024, 1, 19)),
        ("R6.1.19", date(2024, 1, 19)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("Ｈ３１．４．３０", date(2019, 4, 30)),
        ("", None),
    ],
)
def test_dates_in_seireki_and_wareki(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["平成31年5月1日", "令和元年4月30日", "2024/2/30", "来年度"])
def test_impossible_dates_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_date(text)
    assert text in str(info.value) or "2024/2/30" in str(info.value)


def test_periods_and_sizes() -> None:
    assert parse_period("2024/4/1～2025/3/31") == (date(2024, 4, 1), date(2025, 3, 31))
    assert parse_period("2024-04-01/2025-03-31") == (date(2024, 4, 1), date(2025, 3, 31))
    assert parse_period("通年") is None
    assert parse_size("１，２３４") == 1234
    with pytest.raises(ValueError):
        parse_size("約1MB")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "空"),
        (b"\xd0\xcf\x11\xe0rest", ".xls"),
        ("名前,住所\nA,B\n".encode(), "見出し行"),
        (b"PK\x03\x04broken", "Excel"),
    ],
)
def test_files_that_are_no_list_are_refused_with_what_to_do(data: bytes, fragment: str) -> None:
    with pytest.raises(ListRefused) as info:
        parse(data)
    assert fragment in str(info.value)


def test_row_limit() -> None:
    with pytest.raises(ListRefused) as info:
        parse(to_csv([row(n) for n in range(5)]), max_rows=3)
    assert "上限 3 行" in str(info.value)
