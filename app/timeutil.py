"""Time helpers: the catalogue stores naive UTC, and prints CKAN's format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

# Stored datetimes are naive UTC in years 1-9999 (Python's and SQLite's range; PostgreSQL's is
# wider). An offset that moves a time outside that range is refused, not stored.
OUT_OF_RANGE = (
    "The time in UTC must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: "
    "check the year and the UTC offset"
)


def utcnow() -> datetime:
    # Naive UTC with microseconds: what CKAN stores and what harvesters compare as strings.
    return datetime.now(UTC).replace(tzinfo=None)


def ckan_format(value: datetime | None) -> str | None:
    if value is None:
        return None
    # Snapshots read back from JSON carry `Z`; CKAN clients get naive UTC either way.
    return to_naive_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%f")


def to_naive_utc(value: datetime) -> datetime:
    """The same instant as naive UTC; ValueError (OUT_OF_RANGE) when it leaves years 1-9999."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as exc:
        raise ValueError(OUT_OF_RANGE) from exc


def rfc3339(value: datetime) -> str:
    """A stored (naive UTC) or aware datetime as RFC 3339 with `Z`, microseconds kept."""
    return to_naive_utc(value).isoformat() + "Z"


# Input: any ISO 8601 / RFC 3339 date-time, converted to naive UTC in the schema layer, so an
# offset that leaves years 1-9999 is a 422 naming the field before any service runs.
UtcDateTime = Annotated[datetime, AfterValidator(to_naive_utc)]
# Output of the native API: RFC 3339 with `Z`, as its OpenAPI `date-time` promises. (The CKAN
# API formats its own naive-UTC strings with `ckan_format`.)
Timestamp = Annotated[
    datetime,
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


def parse_when(text: str) -> datetime:
    """Parse an ISO date or date-time (with Z or an offset) into naive UTC."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    if len(raw) == 10:
        return datetime.combine(date.fromisoformat(raw), datetime.min.time())
    return to_naive_utc(datetime.fromisoformat(raw))
