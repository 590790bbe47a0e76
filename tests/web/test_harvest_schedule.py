"""Harvest schedules in words and as form fields (app.web.staff.harvest_schedule)."""

from __future__ import annotations

import pytest

from app.harvest.schedule import Cron
from app.web import i18n
from app.web.staff.harvest_schedule import ScheduleForm, describe, expression_from, form_from

JA = i18n.translations("ja").gettext
EN = i18n.translations("en").gettext


@pytest.mark.parametrize(
    ("expression", "ja", "en"),
    [
        ("0 3 * * *", "毎日 03:00", "Daily at 03:00"),
        ("@nightly", "毎日 03:00", "Daily at 03:00"),
        ("30 4 * * 1", "毎週月曜 04:30", "Every Monday at 04:30"),
        ("5 22 * * sun", "毎週日曜 22:05", "Every Sunday at 22:05"),
        ("0 3 1 * *", "毎月1日 03:00", "Monthly on day 1 at 03:00"),
        ("0 3 15 * *", "毎月15日 03:00", "Monthly on day 15 at 03:00"),
        ("*/15 * * * *", "cron式 */15 * * * *", "Cron expression */15 * * * *"),
        ("0 3 * * mon-fri", "cron式 0 3 * * mon-fri", "Cron expression 0 3 * * mon-fri"),
        ("0 3 1 1 *", "cron式 0 3 1 1 *", "Cron expression 0 3 1 1 *"),
    ],
)
def test_schedule_in_words(expression: str, ja: str, en: str) -> None:
    assert describe(expression, True, JA) == ja
    assert describe(expression, True, EN) == en


def test_inactive_schedule_says_so() -> None:
    assert describe("0 3 * * *", False, JA) == "定期実行なし"
    assert describe("0 3 * * *", False, EN) == "Not scheduled"


@pytest.mark.parametrize(
    ("form", "expression"),
    [
        (ScheduleForm("daily", "3:00"), "0 3 * * *"),
        (ScheduleForm("weekly", "04:30", weekday="1"), "30 4 * * 1"),
        (ScheduleForm("monthly", "23:59", day="31"), "59 23 31 * *"),
        (ScheduleForm("advanced", cron="  0  */6 * * * "), "0 */6 * * *"),
    ],
)
def test_form_fields_make_the_expression_and_back(form: ScheduleForm, expression: str) -> None:
    made, active, errors = expression_from(form, JA)
    assert (made, active, errors) == (expression, True, {})
    Cron.parse(made)  # the scheduler reads it
    back = form_from(made, True)
    assert back.kind == form.kind
    if form.kind != "advanced":
        assert expression_from(back, JA)[0] == expression


def test_none_keeps_the_stored_expression_switched_off() -> None:
    assert expression_from(ScheduleForm("none"), JA, "0 5 * * 2") == ("0 5 * * 2", False, {})
    assert form_from("0 5 * * 2", False).kind == "none"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (ScheduleForm("daily", "25:00"), "schedule_time"),
        (ScheduleForm("daily", "3時"), "schedule_time"),
        (ScheduleForm("weekly", "03:00", weekday="7"), "schedule_weekday"),
        (ScheduleForm("monthly", "03:00", day="32"), "schedule_day"),
        (ScheduleForm("advanced", cron=""), "schedule_cron"),
        (ScheduleForm("hourly"), "schedule_kind"),
    ],
)
def test_wrong_fields_name_the_field(form: ScheduleForm, field: str) -> None:
    made, _active, errors = expression_from(form, JA)
    assert made is None and list(errors) == [field]
