"""Plain text from user-supplied text: markup is removed, never stored or rendered.

Every text field a client, a harvest source or an import can write is declared with one of the
annotated types below (`Line`, `Paragraphs`, ...), so the rule lives here and runs in the schema
layer before any service sees the value. The per-field length limit is checked on the raw input
first (a 9 MB title is refused before it is parsed) and shows in OpenAPI as `maxLength`.

Sanitiser: nh3 (the Python binding of the Rust `ammonia` crate, bleach's successor). It parses
like a browser (html5ever), so an unclosed tag (`<img src=x onerror=alert(1)//`) is dropped as a
browser would drop it, and `<script>`/`<style>` go with their content. Its output is HTML; we
decode the entities of that output to get plain text, and repeat until nothing changes, so an
entity-encoded tag (`&lt;img ...&gt;`) is decoded and then removed instead of becoming markup.
Ordinary text survives: `a < b`, `AT&T`, Japanese, line breaks in multi-line fields.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Annotated

import nh3
from pydantic import AfterValidator, Field

# Block elements whose boundaries become line breaks (ammonia prints them without attributes).
_BLOCK = frozenset({"p", "br", "li", "ul", "ol", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK_TAG = re.compile("</?(?:" + "|".join(sorted(_BLOCK)) + ")>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Each pass decodes one level of entity nesting (`&amp;lt;` needs two); deeper nesting is only
# ever an attack, and then every `<` and `&` left is dropped.
_MAX_PASSES = 8

# Length limits in characters, checked on the raw input (documented in README "Input limits").
LINE_MAX = 1_000  # titles, names of people and organisations, other one-line fields
LONG_MAX = 100_000  # notes, descriptions, extras values
URL_MAX = 4_096
EMAIL_MAX = 254  # RFC 5321 path limit
CODE_MAX = 200  # identifiers and codes: licence ids, formats, keys, refs
TAG_MAX = 100
LIST_MAX = 1_000  # tags, categories, measures, extras, resources per dataset


def strip_markup(text: str) -> str:
    """Plain text of `text`: tags removed, entities decoded, to a fixed point.

    Block boundaries (`<p>`, `<br>`, `<li>`...) become newlines. The result contains no tag and
    no entity a browser would decode (`strip_markup(strip_markup(x)) == strip_markup(x)`).
    """
    for _ in range(_MAX_PASSES):
        if "<" not in text and "&" not in text:
            return text
        cleaned = nh3.clean(text, tags=set(_BLOCK), attributes={}, strip_comments=True)
        plain = html.unescape(_BLOCK_TAG.sub("\n", cleaned))
        if plain == text:
            return plain
        text = plain
    return text.replace("<", "").replace("&", "")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Strip markup and control characters; single-line fields get their whitespace collapsed."""
    plain = strip_markup(_CONTROL.sub("", text))
    if multiline:
        lines = [line.rstrip() for line in plain.replace("\r\n", "\n").split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\s+", " ", plain).strip()


def clean_tag(text: str) -> str:
    """A keyword as users typed it (Japanese kept), width-normalised, no markup."""
    return clean_text(unicodedata.normalize("NFKC", text))


def _line(value: str) -> str:
    return clean_text(value)


def _paragraphs(value: str) -> str:
    return clean_text(value, multiline=True)


# One-line plain text (titles, people's names, token and source titles).
Line = Annotated[str, Field(max_length=LINE_MAX), AfterValidator(_line)]
# Multi-line plain text (notes, descriptions, extras values): line breaks kept.
Paragraphs = Annotated[str, Field(max_length=LONG_MAX), AfterValidator(_paragraphs)]
# Short one-line text: codes, formats, references, extras keys.
Code = Annotated[str, Field(max_length=CODE_MAX), AfterValidator(_line)]
Tag = Annotated[str, Field(max_length=TAG_MAX), AfterValidator(_line)]
# Not prose, checked by their own validators; only the length is bounded here.
Url = Annotated[str, Field(max_length=URL_MAX)]
# Identifiers and references matched against known values (names, ids, codes): refused, never
# rewritten, when wrong; only the length is bounded here.
Ref = Annotated[str, Field(max_length=CODE_MAX)]
Email = Annotated[str, Field(max_length=EMAIL_MAX)]
