"""Field validators that collect messages per field instead of stopping at the first."""

from __future__ import annotations

import re
import unicodedata
import uuid
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


# unicodedata has no names for C0 controls.
CONTROL_NAMES = {"\t": "a tab", "\n": "a line feed", "\r": "a carriage return", "\x00": "NUL"}


def url_bad_character(value: str) -> str | None:
    """A message naming the first whitespace or control character in a URL, else None.

    RFC 3986 has no place for them (a space must be sent as %20); browsers and harvesters
    strip or re-encode them differently, so the stored URL would not be the one sent.
    """
    if value.isascii() and value.isprintable() and " " not in value:
        return None  # the common case, without a per-character Unicode lookup
    for position, char in enumerate(value, start=1):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            name = CONTROL_NAMES.get(char) or unicodedata.name(char, "a control character")
            return (
                f"The URL contains {name} (U+{ord(char):04X}) at character {position}: "
                "remove it or percent-encode it (a space is %20)"
            )
    return None


def is_http_url(value: str) -> bool:
    if url_bad_character(value) is not None:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def check_url(errors: FieldErrors, field: str, value: str) -> None:
    """Add a message when `value` (already stripped of outer blanks) is not an http(s) URL."""
    if not value:
        return
    bad = url_bad_character(value)
    if bad is not None:
        errors.add(field, bad)
    elif not is_http_url(value):
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


def canonical_uuid(value: str) -> str | None:
    """The canonical (lower-case, hyphenated) form of a UUID, or None when `value` is not one.

    Every form `uuid.UUID` reads counts (hex with or without hyphens, braces, `urn:uuid:`),
    so a name can never be read as an id, whichever form a lookup uses.
    """
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        return None


def check_dataset_name(errors: FieldErrors, field: str, value: str) -> None:
    """CKAN's name rules, and no UUID: ids are UUIDs, so an id and a name never collide."""
    check_name(errors, field, value)
    if canonical_uuid(value) is not None:
        errors.add(field, "Must not have the form of a UUID (those are dataset ids)")


def check_dataset_id(errors: FieldErrors, field: str, value: str) -> str | None:
    """A chosen dataset id: a UUID (returned in canonical form), else an error."""
    found = canonical_uuid(value)
    if found is None:
        errors.add(field, "Must be a UUID such as 3f2a6c1e-8d4b-4e6f-9a0b-2c1d3e4f5a6b")
    return found
