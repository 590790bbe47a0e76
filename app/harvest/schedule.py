"""Harvest schedules: 5-field cron expressions (minute hour day month weekday) in Japan time.

Supported: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, month and
weekday names (jan, mon), weekday 7 = Sunday, and the aliases @hourly, @daily, @nightly
(03:00), @weekly, @monthly, @yearly. As in cron, when both day-of-month and weekday are
restricted a time matches either. Times are stored as naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Tokyo")
DEFAULT_SCHEDULE = "0 3 * * *"  # nightly at 03:00 JST
ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@nightly": DEFAULT_SCHEDULE,
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (name, lowest, highest, names for the values starting at `lowest`)
FIELDS: tuple[tuple[str, int, int, list[str]], ...] = (
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day of month", 1, 31, []),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, WEEKDAYS),
)
# Every valid expression matches within 28 years (the Gregorian weekday/leap cycle).
SEARCH_DAYS = 366 * 28


class CronError(ValueError):
    """The expression is not valid; the message says why."""


def _value(text: str, name: str, low: int, high: int, names: list[str]) -> int:
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + low
    if not (text.isascii() and text.isdigit()):  # '²'.isdigit() is True; int() refuses it
        raise CronError(f"{name}: {text!r} is not a number")
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"{name}: {number} is outside {low}-{high}")
    return number


def _field(text: str, name: str, low: int, high: int, names: list[str]) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
                raise CronError(f"{name}: bad step {step_text!r}")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start = _value(first, name, low, high, names)
            end = _value(last, name, low, high, names)
            if start > end:
                raise CronError(f"{name}: range {body} runs backwards")
        else:
            start = _value(body, name, low, high, names)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        text = " ".join(expression.split())
        parts = ALIASES.get(text.lower(), text).split(" ")
        if len(parts) != 5:
            raise CronError(
                f"expected 5 fields (minute hour day month weekday), got {len(parts)}: {text!r}"
            )
        fields = [_field(p, *spec) for p, spec in zip(parts, FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in fields[4])
        cron = cls(
            text, fields[0], fields[1], fields[2], fields[3], weekdays,
            any_day=parts[2] == "*", any_weekday=parts[4] == "*",
        )  # fmt: skip
        if cron.next_after(datetime(2000, 1, 1)) is None:
            raise CronError(f"{text!r} never matches a real date")
        return cron

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, when: datetime) -> datetime | None:
        """The first matching minute strictly after `when` (naive UTC in, naive UTC out)."""
        local = when.replace(tzinfo=UTC).astimezone(TZ)
        start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        hours = sorted(self.hours)
        minutes = sorted(self.minutes)
        day = start.date()
        for _ in range(SEARCH_DAYS):
            if self._day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        candidate = datetime.combine(day, time(hour, minute), TZ)
                        if candidate >= start:
                            return candidate.astimezone(UTC).replace(tzinfo=None)
            day += timedelta(days=1)
        return None


def next_run(expression: str, after: datetime) -> datetime:
    found = Cron.parse(expression).next_after(after)
    assert found is not None  # parse() refuses expressions that never match
    return found
