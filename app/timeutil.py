"""Time helpers: the catalogue stores naive UTC, and prints CKAN's format."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    # Naive UTC with microseconds: what CKAN stores and what harvesters compare as strings.
    return datetime.now(UTC).replace(tzinfo=None)


def ckan_format(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def parse_when(text: str) -> datetime:
    """Parse an ISO date or date-time (with Z or an offset) into naive UTC."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    if len(raw) == 10:
        return datetime.combine(date.fromisoformat(raw), datetime.min.time())
    return to_naive_utc(datetime.fromisoformat(raw))
