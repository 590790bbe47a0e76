"""Cell values as clerks write them -> our values: widths, dates in 西暦 and 和暦, sizes.

Dates: 2024/1/19, 2024-01-19, 2024.1.19, 2024年1月19日, 20240119 (西暦); 令和6年1月19日,
令和元年5月1日, R6.1.19, H31/4/30 (和暦, kanji or Latin initial). A 和暦 date must lie within
its era: 平成 ended on 2019-04-30 and 令和 began on 2019-05-01 (so 平成31年5月1日 and
令和元年4月30日 are refused), era boundaries from the 元号を改める政令 (平成31年政令第143号) and
the earlier ones. A time of day after the date (Excel's "2024/1/19 0:00") is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

# era -> (first day, last day or None while current)
ERAS: dict[str, tuple[date, date | None]] = {
    "明治": (date(1868, 1, 25), date(1912, 7, 29)),
    "大正": (date(1912, 7, 30), date(1926, 12, 24)),
    "昭和": (date(1926, 12, 25), date(1989, 1, 7)),
    "平成": (date(1989, 1, 8), date(2019, 4, 30)),
    "令和": (date(2019, 5, 1), None),
}
ERA_INITIALS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_SEIREKI = re.compile(r"(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WAREKI = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(\d{1,2}|元)\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?",
    re.IGNORECASE,
)
_TIME = re.compile(r"T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


class DateError(ValueError):
    """The text is not a date we read. `msgid` (Japanese, a gettext msgid with %(name)s
    placeholders) and `params` say why; the page translates them."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid % params)
        self.msgid = msgid
        self.params = params


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (１２３ -> 123); blanks trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(text: str) -> date | None:
    """The date written in `text` (None when blank); DateError when it is not a valid date."""
    value = nfkc(text)
    if not value:
        return None
    for pattern, kind in ((_WAREKI, "wareki"), (_SEIREKI, "seireki"), (_COMPACT, "seireki")):
        found = pattern.match(value)
        if found is None:
            continue
        rest = value[found.end() :].strip()
        if rest and not _TIME.fullmatch(rest):
            continue
        if kind == "seireki":
            year, month, day = (int(g) for g in found.groups())
            return _make(year, month, day, value)
        era_text, year_text, month_text, day_text = found.groups()
        era = ERA_INITIALS.get(era_text.upper(), era_text)
        first, last = ERAS[era]
        era_year = 1 if year_text == "元" else int(year_text)
        day_value = _make(first.year + era_year - 1, int(month_text), int(day_text), value)
        if era_year < 1 or day_value < first or (last is not None and day_value > last):
            raise DateError(
                "%(value)s は%(era)sの期間（%(first)s〜%(last)s）にない日付です",
                value=value,
                era=era,
                first=first.isoformat(),
                last=last.isoformat() if last else "",
            )
        return day_value
    raise DateError(
        "%(value)s は日付として読めません（例: 2024/1/19、2024年1月19日、令和6年1月19日）",
        value=value,
    )


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError("%(value)s は存在しない日付です", value=text) from exc


def cell_date(value: object) -> date | None:
    """A spreadsheet cell: a datetime/date cell as is, anything else as text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value)) if value is not None else None


def parse_period(text: str) -> tuple[date | None, date | None] | None:
    """データセット_対象期間 "2024/4/1～2025/3/31", "2024-04-01/2025-03-31", "令和6年4月1日から":
    (start, end); None when the text is not a period of dates (the caller keeps it as text)."""
    value = nfkc(text)
    if not value:
        return (None, None)
    halves = [h for h in re.split(r"\s*[~〜～]\s*|\s*から\s*|\s*まで\s*", value)]
    if len(halves) == 1 and value.count("/") == 1 and "-" in value:
        halves = value.split("/")
    halves = [h.strip() for h in halves]
    if len(halves) == 1:
        halves.append("")
    if len(halves) > 2 and any(halves[2:]):
        return None
    try:
        start = parse_date(halves[0]) if halves[0] else None
        end = parse_date(halves[1]) if halves[1] else None
    except DateError:
        return None
    if start is None and end is None:
        return None
    return start, end


def parse_size(text: str) -> int | None:
    """ファイル_サイズ in bytes: "1,234" or "１２３４" -> 1234; ValueError when not a count."""
    value = nfkc(text).replace(",", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    return int(value)
