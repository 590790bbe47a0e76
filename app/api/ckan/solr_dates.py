"""Solr date values as CKAN clients write them in ranges: `*`, ISO dates and `NOW` date math.

`NOW-7DAYS/DAY`, `NOW/MONTH-1MONTH`, `2024-01-01T00:00:00.000000Z+1DAY`: `/UNIT` rounds down,
`+N UNIT` / `-N UNIT` shift; units from YEAR to SECOND (singular or plural, DATE = DAY).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from app.errors import SearchQueryError
from app.timeutil import parse_when

_UNIT_RE = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_UNITS = {
    "YEAR": "year",
    "YEARS": "year",
    "MONTH": "month",
    "MONTHS": "month",
    "DAY": "day",
    "DAYS": "day",
    "DATE": "day",
    "HOUR": "hour",
    "HOURS": "hour",
    "MINUTE": "minute",
    "MINUTES": "minute",
    "SECOND": "second",
    "SECONDS": "second",
}


def _date_math(base: datetime, ops: str, original: str) -> datetime:
    pos = 0
    value = base
    for m in _UNIT_RE.finditer(ops):
        if m.start() != pos:
            break
        pos = m.end()
        unit = _UNITS.get(m.group(3) or m.group(4) or "")
        if unit is None:
            raise SearchQueryError(f"Unknown date unit in {original!r}")
        if m.group(4):
            value = _round_down(value, unit)
        else:
            amount = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
            try:
                value = _shift(value, unit, amount)
            except (ValueError, OverflowError):
                raise SearchQueryError(f"The date {original!r} is out of range") from None
    if pos != len(ops):
        raise SearchQueryError(f"Cannot read the date {original!r}")
    return value


def _round_down(value: datetime, unit: str) -> datetime:
    order = ("year", "month", "day", "hour", "minute", "second")
    keep = order.index(unit) + 1
    parts = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    floor = (1, 1, 1, 0, 0, 0)
    y, mo, d, h, mi, sec = parts[:keep] + floor[keep:]
    return datetime(y, mo, d, h, mi, sec)


def _shift(value: datetime, unit: str, amount: int) -> datetime:
    if unit in ("year", "month"):
        months = value.year * 12 + value.month - 1 + (amount * 12 if unit == "year" else amount)
        year, month = divmod(months, 12)
        day = min(value.day, _days_in_month(year, month + 1))
        return value.replace(year=year, month=month + 1, day=day)
    return value + timedelta(**{f"{unit}s": amount})


def _days_in_month(year: int, month: int) -> int:
    nxt = datetime(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def parse_date(text: str, now: datetime) -> datetime | None:
    """A range end: `*`, `NOW` with optional date math, or an ISO date (with math)."""
    if text == "*":
        return None
    if text.startswith("NOW"):
        return _date_math(now, text[3:], text)
    head, sep, ops = text.partition("Z")
    if not sep:
        head, ops = text, ""
    try:
        base = parse_when(head + ("Z" if sep else ""))
    except ValueError:
        raise SearchQueryError(f"Cannot read the date {text!r} in a range filter") from None
    return _date_math(base, ops, text)
