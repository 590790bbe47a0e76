"""Field validators that collect messages per field instead of stopping at the first."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class FieldErrors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value


def check_url(errors: FieldErrors, field: str, value: str) -> None:
    if value and not is_http_url(value):
        errors.add(field, "Please provide a valid http:// or https:// URL")


def check_email(errors: FieldErrors, field: str, value: str) -> None:
    if value and not EMAIL_RE.match(value):
        errors.add(field, "Please provide a valid e-mail address")


def check_name(errors: FieldErrors, field: str, value: str) -> None:
    if not NAME_RE.match(value):
        errors.add(
            field,
            "Must be 2-100 characters of lowercase ASCII letters, digits, - and _ "
            "(Japanese titles go in the title field)",
        )
