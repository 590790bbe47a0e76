"""Numeric bounds every integer input is checked against before it reaches a database.

Both databases store integers in at most 64 bits (SQLite INTEGER, PostgreSQL bigint); an
unbounded Python int would otherwise fail inside the driver as a 500. Page numbers, offsets and
limits are held to 32 bits: larger values cannot be meant, and page x limit stays inside 64 bits.
"""

from __future__ import annotations

MAX_INT64 = 2**63 - 1
# Pages, offsets, counts: the largest value any paging parameter accepts.
MAX_INTEGER = 2**31 - 1
# Byte sizes and other counts clients send in JSON: the largest integer every JSON parser
# (JavaScript's included) holds exactly, and what OpenAPI can state without rounding.
MAX_JSON_INTEGER = 2**53 - 1
