"""BCP 47 language tags: RFC 4647 basic filtering, repair of malformed tags, and a dataset
language from every form `dct:language` takes in feeds.

- `matches(tag, wanted)`: RFC 4647 §3.3.1 basic filtering, case-insensitive, so `ja` matches
  `ja`, `JA`, `ja-JP` and `ja-Jpan-JP`, and `*` matches any tag.
- `repair(tag)`: `ja_JP` -> `ja-JP` (underscores are the common error), else None.
- `localized(...)`: a field's text for a reader's language, from the texts a record keeps in
  extras as `<field>@<tag>` (see app.dcat.multilingual).
- `language_code(value)`: ISO 639-1 code from an EU authority IRI (IRI or literal, any case),
  ISO 639-1/2/3 code, lexvo IRI (`http://lexvo.org/id/iso639-3/deu`), or a BCP 47 tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TAG = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")

# ISO 639-2/3 (bibliographic and terminologic) -> ISO 639-1, for the languages feeds use.
ISO639_3: dict[str, str] = {
    "jpn": "ja", "eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
    "ita": "it", "spa": "es", "por": "pt", "nld": "nl", "dut": "nl", "zho": "zh",
    "chi": "zh", "kor": "ko", "rus": "ru", "vie": "vi", "tha": "th", "roh": "rm",
    "pol": "pl", "ces": "cs", "cze": "cs", "dan": "da", "swe": "sv", "fin": "fi",
    "nor": "no", "nob": "nb", "ell": "el", "gre": "el", "hun": "hu", "ron": "ro",
    "rum": "ro", "slk": "sk", "slo": "sk", "slv": "sl", "hrv": "hr", "bul": "bg",
    "est": "et", "lav": "lv", "lit": "lt", "gle": "ga", "mlt": "mt", "ukr": "uk",
    "ara": "ar", "tur": "tr", "ind": "id", "msa": "ms", "may": "ms", "hin": "hi",
    "ltz": "lb", "cat": "ca", "eus": "eu", "baq": "eu", "glg": "gl", "isl": "is",
    "ice": "is", "fil": "tl", "tgl": "tl", "mul": "mul", "und": "und",
}  # fmt: skip
_EU = "publications.europa.eu/resource/authority/language/"


def valid(tag: str) -> bool:
    return bool(_TAG.match(tag))


def repair(tag: str) -> str | None:
    """A well-formed BCP 47 tag for a malformed one (`ja_JP`, ` en `), else None."""
    fixed = tag.strip().replace("_", "-")
    return fixed if fixed and valid(fixed) else None


def matches(tag: str | None, wanted: str | None) -> bool:
    """RFC 4647 basic filtering: `wanted` is a prefix of `tag` on subtag boundaries.
    No tag only matches no wanted language (None)."""
    if wanted is None or tag is None:
        return wanted is None and not tag
    if wanted == "*":
        return True
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or tag.startswith(wanted + "-")


def primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def language_code(value: str) -> str | None:
    """ISO 639-1 code (or 639-3 when there is none) of a `dct:language` value, else None."""
    text = value.strip()
    low = text.lower()
    if _EU in low:
        low = low.rsplit("/", 1)[-1]
    elif "lexvo.org/id/iso639-" in low or "id.loc.gov/vocabulary/iso639-" in low:
        low = low.rstrip("/").rsplit("/", 1)[-1]
    elif "/" in low or ":" in low:
        return None
    if len(low) == 3 and low.isalpha():
        return ISO639_3.get(low, low)
    if valid(low):
        return primary(low)
    return None


def translations(extras: Mapping[str, str] | None, field: str) -> dict[str, str]:
    """tag -> text of the other-language values of `field` kept in extras."""
    prefix = field + "@"
    return {k[len(prefix) :]: v for k, v in (extras or {}).items() if k.startswith(prefix)}


def localized(
    text: str, own_tag: str, extras: Mapping[str, str] | None, field: str, lang: str | None
) -> str:
    """`field`'s text in `lang` (RFC 4647 basic filtering), else the stored one."""
    if not lang or matches(own_tag, lang):
        return text
    others = translations(extras, field)
    for tag, value in sorted(others.items(), key=lambda kv: kv[0].lower() != lang.lower()):
        if matches(tag, lang):
            return value
    return text
