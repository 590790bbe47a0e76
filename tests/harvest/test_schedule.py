"""Cron schedules, evaluated in Japan time, stored as naive UTC."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.harvest.schedule import Cron, CronError, next_run


def test_nightly_default_is_three_in_the_morning_japan_time() -> None:
    # 2024-05-01 12:00 UTC = 21:00 JST; next 03:00 JST = 2024-05-01 18:00 UTC
    assert next_run("0 3 * * *", datetime(2024, 5, 1, 12, 0)) == datetime(2024, 5, 1, 18, 0)
    assert next_run("@nightly", datetime(2024, 5, 1, 18, 0)) == datetime(2024, 5, 2, 18, 0)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/15 * * * *", datetime(2024, 1, 1, 0, 7), datetime(2024, 1, 1, 0, 15)),
        ("0 9-17/4 * * mon-fri", datetime(2024, 5, 3, 23, 0), datetime(2024, 5, 6, 0, 0)),
        ("30 1 1,15 * *", datetime(2024, 1, 2, 0, 0), datetime(2024, 1, 14, 16, 30)),
        ("0 0 29 feb *", datetime(2024, 3, 1), datetime(2028, 2, 28, 15, 0)),
        ("0 0 * * 7", datetime(2024, 5, 1), datetime(2024, 5, 4, 15, 0)),  # Sunday JST
        ("0 0 13 * fri", datetime(2024, 5, 1), datetime(2024, 5, 2, 15, 0)),  # 13th OR Friday
        ("@hourly", datetime(2024, 5, 1, 10, 59, 30), datetime(2024, 5, 1, 11, 0)),
    ],
)
def test_next_run(expression: str, after: datetime, expected: datetime) -> None:
    assert next_run(expression, after) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 3 * *", "expected 5 fields"),
        ("60 * * * *", "minute: 60 is outside 0-59"),
        ("* * * * foo", "day of week: 'foo' is not a number"),
        ("*/0 * * * *", "bad step"),
        ("0 0 5-1 * *", "runs backwards"),
        ("0 0 31 2 *", "never matches"),
    ],
)
def test_invalid_expressions(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        Cron.parse(expression)
