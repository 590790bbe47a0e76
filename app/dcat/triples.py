"""The triples the mapping emits, as plain Python values that every writer renders.

The same `Triple` list feeds rdflib (the graph path) and the direct text writers (the stream
path), so the two can only differ by a writer bug, which the isomorphism tests catch.
We never emit blank nodes: nested nodes get fragment IRIs under their parent (`…#temporal`),
which keeps N-Triples streaming stateless and graphs cheap to compare.
"""

from __future__ import annotations

from datetime import date, datetime

from app.dcat.iri import Iri, iri

__all__ = [
    "Iri",
    "Lit",
    "LitTuple",
    "Triple",
    "date_lex",
    "datetime_lex",
    "iri",
    "mailto",
    "unmailto",
]


# A literal: (lexical form, language tag or "", datatype IRI or "" for xsd:string). A plain
# tuple, not a class: the export creates millions of them and tuples are 5x cheaper to make.
LitTuple = tuple[str, str, str]
Triple = tuple[str, str, Iri | LitTuple]


def Lit(lex: str, lang: str = "", datatype: str = "") -> LitTuple:
    return (lex, lang, datatype)


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
