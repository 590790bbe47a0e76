"""A harvest schedule as form fields and in words ("毎日 03:00", "Every Monday at 03:00").

The source stores a 5-field cron expression in Japan time plus an `active` flag (inactive:
no scheduled runs; "Run now" still works). The form offers the common shapes — none, daily,
weekly on a weekday, monthly on a day, each at HH:MM — and an advanced field for any cron
expression. Expressions are read with `app.harvest.schedule.Cron` (the parser the scheduler
itself runs on, so the words always describe what will run); an expression outside the
common shapes is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.harvest.schedule import ALIASES, DEFAULT_SCHEDULE, Cron, CronError

Gettext = Callable[[str], str]
KINDS = ("none", "daily", "weekly", "monthly", "advanced")
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def weekday_names(_: Gettext) -> list[str]:
    """Sunday first (cron's 0)."""
    return [_("日曜"), _("月曜"), _("火曜"), _("水曜"), _("木曜"), _("金曜"), _("土曜")]


@dataclass
class ScheduleForm:
    kind: str = "daily"
    time: str = "03:00"
    weekday: str = "1"
    day: str = "1"
    cron: str = ""


@dataclass(frozen=True)
class Shape:
    kind: str  # daily / weekly / monthly / other
    hour: int = 0
    minute: int = 0
    weekday: int = 0
    day: int = 1


def shape(expression: str) -> Shape:
    """The common shape of a valid expression, else Shape("other"). Raises CronError."""
    cron = Cron.parse(expression)
    parts = ALIASES.get(cron.expression.lower(), cron.expression).split(" ")
    minute, hour, day, month, weekday = parts
    if not (minute.isdigit() and hour.isdigit() and month == "*"):
        return Shape("other")
    h, m = next(iter(cron.hours)), next(iter(cron.minutes))
    if day == "*" and weekday == "*":
        return Shape("daily", h, m)
    if day == "*" and len(cron.weekdays) == 1 and "," not in weekday and "-" not in weekday:
        return Shape("weekly", h, m, weekday=next(iter(cron.weekdays)))
    if weekday == "*" and day.isdigit():
        return Shape("monthly", h, m, day=int(day))
    return Shape("other")


def describe(expression: str, active: bool, _: Gettext) -> str:
    """The schedule in words, in the reader's language."""
    if not active:
        return _("定期実行なし")
    try:
        found = shape(expression)
    except CronError:
        return expression
    at = f"{found.hour:02d}:{found.minute:02d}"
    if found.kind == "daily":
        return _("毎日 %(time)s") % {"time": at}
    if found.kind == "weekly":
        return _("毎週%(weekday)s %(time)s") % {
            "weekday": weekday_names(_)[found.weekday],
            "time": at,
        }
    if found.kind == "monthly":
        return _("毎月%(day)s日 %(time)s") % {"day": found.day, "time": at}
    return _("cron式 %(expression)s") % {"expression": expression}


def form_from(expression: str, active: bool) -> ScheduleForm:
    """The form fields showing a stored schedule."""
    try:
        found = shape(expression)
    except CronError:
        found = Shape("other")
    if found.kind == "other":
        return ScheduleForm("advanced" if active else "none", cron=expression)
    at = f"{found.hour:02d}:{found.minute:02d}"
    kind = found.kind if active else "none"
    return ScheduleForm(kind, at, str(found.weekday), str(found.day), "")


def expression_from(
    form: ScheduleForm, _: Gettext, stored: str | None = None
) -> tuple[str | None, bool, dict[str, str]]:
    """(cron expression or None when the fields are wrong, active, field id -> message).

    "none" keeps the stored expression (else the default) with the schedule off; the cron
    expression itself is checked by the service, which names what is wrong with it."""
    errors: dict[str, str] = {}
    if form.kind not in KINDS:
        errors["schedule_kind"] = _("実行の間隔を選んでください。")
        return None, True, errors
    if form.kind == "advanced":
        if not form.cron.strip():
            errors["schedule_cron"] = _("cron式を入力してください（例: 0 3 * * *）。")
            return None, True, errors
        return " ".join(form.cron.split()), True, errors
    if form.kind == "none":
        return stored or DEFAULT_SCHEDULE, False, errors
    match = TIME_RE.match(form.time.strip())
    if match is None:
        errors["schedule_time"] = _("時刻は 03:00 のように、時:分（24時間制）で入力してください。")
        return None, True, errors
    hour, minute = int(match.group(1)), int(match.group(2))
    if form.kind == "daily":
        return f"{minute} {hour} * * *", True, errors
    if form.kind == "weekly":
        if form.weekday not in {str(n) for n in range(7)}:
            errors["schedule_weekday"] = _("曜日を選んでください。")
            return None, True, errors
        return f"{minute} {hour} * * {form.weekday}", True, errors
    day = form.day.strip()
    if not (day.isascii() and day.isdigit() and 1 <= int(day) <= 31):
        errors["schedule_day"] = _("日は 1 から 31 の数字で入力してください。")
        return None, True, errors
    return f"{minute} {hour} {int(day)} * *", True, errors
