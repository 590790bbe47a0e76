"""Dates as feeds write them: the calendar value and the precision, both kept.

XML Schema forms read: xsd:date, xsd:dateTime with or without offset, xsd:gYear,
xsd:gYearMonth (DCAT-AP 3 §"Period of time" allows all of them). A date-time's calendar date
is the one written (`2019-04-01T00:00:00+09:00` is 1 April, not 31 March in UTC).

`Written` keeps the lexical form when it says more or less than a plain date, so the export
writes the value back with the precision it came with (`as_written_lex`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from rdflib import Literal
from rdflib.term import Node

from app.dcat.namespaces import XSD
from app.timeutil import to_naive_utc

_YEAR = re.compile(r"^(-?\d{4})(?:Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Written:
    """A date value read from a literal: the first and last day it covers, and how written."""

    start: date
    end: date
    precision: str  # year | month | date | datetime
    lexical: str
    moment: datetime | None = None  # naive UTC, for date-times


def read_written(node: Node | None) -> Written | None:
    """The date a literal gives, or None when it is not one (ill-typed values too)."""
    if not isinstance(node, Literal):
        return None
    lex = str(node).strip()
    try:
        if m := _YEAR.match(lex):
            year = int(m[1])
            return Written(date(year, 1, 1), date(year, 12, 31), "year", lex)
        if m := _YEAR_MONTH.match(lex):
            year, month = int(m[1]), int(m[2])
            last = calendar.monthrange(year, month)[1]
            return Written(date(year, month, 1), date(year, month, last), "month", lex)
        if m := _DATE.match(lex):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            if len(lex) == 10 or lex[10] in "Z+-":  # xsd:date, possibly with a timezone
                return Written(day, day, "date", lex)
            raw = lex[:-1] + "+00:00" if lex.endswith("Z") else lex
            moment = to_naive_utc(datetime.fromisoformat(raw))
            return Written(day, day, "datetime", lex, moment)
    except ValueError:
        return None
    return None


_OFFSET = re.compile(r"[+-](\d{2}):(\d{2})$")


def local_offset(lex: str) -> bool:
    """True for a date-time written with a non-zero UTC offset (`…+09:00`)."""
    found = _OFFSET.search(lex[10:])
    return found is not None and found.group(0) not in ("+00:00", "-00:00")


def datatype_of(lex: str) -> str:
    """The XML Schema datatype a lexical date form needs."""
    if _YEAR.match(lex):
        return XSD.gYear
    if _YEAR_MONTH.match(lex):
        return XSD.gYearMonth
    if len(lex) > 10 and lex[10] == "T":
        return XSD.dateTime
    return XSD.date


def as_written_lex(written: str | None, value: date | datetime) -> str | None:
    """The kept lexical form, if it still denotes `value` (an edit since makes it stale)."""
    if not written:
        return None
    found = read_written(Literal(written))
    if found is None:
        return None
    if isinstance(value, datetime):
        if found.moment is not None:
            return written if found.moment == value else None
        return written if found.start == value.date() else None
    return written if value in (found.start, found.end) else None
