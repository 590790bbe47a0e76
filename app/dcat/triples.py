"""The triples the mapping emits, as plain Python values that every writer renders.

The same `Triple` list feeds rdflib (the graph path) and the direct text writers (the stream
path), so the two can only differ by a writer bug, which the isomorphism tests catch.
We never emit blank nodes: nested nodes get fragment IRIs under their parent (`…#temporal`),
which keeps N-Triples streaming stateless and graphs cheap to compare.
"""

from __future__ import annotations

import re
from datetime import date, datetime


class Iri(str):
    """An absolute IRI, already made safe for every syntax (see `iri`)."""

    __slots__ = ()


# A literal: (lexical form, language tag or "", datatype IRI or "" for xsd:string). A plain
# tuple, not a class: the export creates millions of them and tuples are 5x cheaper to make.
LitTuple = tuple[str, str, str]
Triple = tuple[str, str, Iri | LitTuple]


def Lit(lex: str, lang: str = "", datatype: str = "") -> LitTuple:
    return (lex, lang, datatype)


# Schemes we emit. A whitelist keeps scheme names from colliding with the JSON-LD prefixes.
_SCHEME = re.compile(r"^(?:https?|mailto|urn|ftp|ftps|tag):", re.IGNORECASE)
# Characters IRIREF forbids in N-Triples/Turtle (plus DEL): percent-encoded, never emitted raw.
_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8"))


def iri(value: str | None) -> Iri | None:
    """The IRI for a user-supplied URL, or None when it is not an absolute IRI we can emit.

    Spaces, quotes, angle brackets and the like are percent-encoded; relative references and
    unknown schemes are refused, since an RDF document must not gain a base-dependent meaning.
    """
    if not value:
        return None
    text = value.strip()
    # Fast path for the common case (the export calls this for every URL).
    fast = text.startswith(("https://", "http://")) and len(text) > 8
    if not fast and (not _SCHEME.match(text) or len(text) <= text.index(":") + 1):
        return None
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_percent, text)
    return Iri(text)


def mailto(email: str) -> Iri | None:
    text = email.strip()
    if not text or "@" not in text:
        return None
    return iri(text if text.lower().startswith("mailto:") else "mailto:" + text)


def unmailto(value: str) -> str:
    return value[7:] if value.lower().startswith("mailto:") else value


def datetime_lex(value: datetime) -> str:
    """Naive UTC (how the catalogue stores time) written with an explicit Z."""
    return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()


def date_lex(value: date) -> str:
    return value.isoformat()
