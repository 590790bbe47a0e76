"""Codecs for single values: language-tagged text, typed literals, links, vocabulary terms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from app.dcat.codec import Codec, Emission, ReadScope, pick_text, read_datetime
from app.dcat.context import Context
from app.dcat.dates import as_written_lex, datatype_of, local_offset, read_written
from app.dcat.iri import mint
from app.dcat.namespaces import XSD
from app.dcat.triples import Iri, Lit, datetime_lex, iri


class LangText(Codec):
    """A text in one language (`@ja` by default). `strict` reads only that language back."""

    def __init__(self, field: str, predicate: str, *, lang: str = "ja", strict: bool = False):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.lang = lang
        self.strict = strict

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        value = getattr(rec, self.attr)
        if value:
            out.triples.append((s, self.predicate, (value, self.lang, "")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        nodes = scope.objects(s, self.predicate)
        if self.strict:
            nodes = [n for n in nodes if isinstance(n, Literal) and n.language == self.lang]
        value = pick_text(nodes, self.lang)
        return {self.fields[0]: value} if value is not None else {}


class Description(LangText):
    """A mandatory description: DCAT-AP requires one, so an empty one repeats the title.

    Read back, a description identical to the title means "no description".
    """

    def __init__(self, field: str, predicate: str, *, title: str, title_predicate: str):
        super().__init__(field, predicate)
        self.title = title
        self.title_predicate = title_predicate

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        value = getattr(rec, self.attr) or getattr(rec, self.title)
        if value:
            out.triples.append((s, self.predicate, Lit(value, self.lang)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        found = super().read(s, scope)
        title = scope.text(s, self.title_predicate, self.lang)
        if found and found[self.fields[0]] == title:
            return {self.fields[0]: ""}
        return found


def text_language(value: str, lang: str) -> str:
    """`lang` for a text with Japanese script (kana, CJK ideographs); "" (no language tag) for
    one without: `budgets and final_accounts` or `AED` is not Japanese, and which language a
    Latin-script keyword is cannot be told reliably from one or two words."""
    if lang != "ja":
        return lang
    for char in value:
        code = ord(char)
        if (
            0x3040 <= code <= 0x30FF  # hiragana, katakana
            or 0x3400 <= code <= 0x9FFF  # CJK ideographs (extension A and unified)
            or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
            or 0xFF66 <= code <= 0xFF9F  # half-width katakana
            or 0x20000 <= code <= 0x2FFFF  # CJK extensions B-F
        ):
            return lang
    return ""


class Texts(Codec):
    """A list of texts (keywords), one literal each; read back in sorted order."""

    def __init__(self, field: str, predicate: str, *, lang: str = "ja"):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.lang = lang

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        for value in getattr(rec, self.attr):
            out.triples.append((s, self.predicate, Lit(value, text_language(value, self.lang))))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        nodes = scope.objects(s, self.predicate)
        values = sorted({str(n) for n in nodes if isinstance(n, Literal)})
        return {self.fields[0]: values} if values else {}


class Typed(Codec):
    """A literal with a datatype ("" = plain string); `to_lex`/`from_lex` convert the value."""

    def __init__(
        self,
        field: str,
        predicate: str,
        datatype: str = "",
        *,
        to_lex: Callable[[Any], str] = str,
        from_lex: Callable[[str], Any] = str,
    ):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.datatype = datatype
        self.to_lex = to_lex
        self.from_lex = from_lex

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        value = getattr(rec, self.attr)
        if value is not None and value != "":
            out.triples.append((s, self.predicate, Lit(self.to_lex(value), "", self.datatype)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            if isinstance(node, Literal):
                try:
                    return {self.fields[0]: self.from_lex(str(node))}
                except ValueError:
                    continue
        return {}


def _bool_lex(value: bool) -> str:
    return "true" if value else "false"


def _bool_value(lex: str) -> bool:
    if lex in ("true", "1"):
        return True
    if lex in ("false", "0"):
        return False
    raise ValueError(lex)


def _int_value(lex: str) -> int:
    return int(float(lex)) if "." in lex else int(lex)


def boolean(field: str, predicate: str) -> Typed:
    return Typed(field, predicate, XSD.boolean, to_lex=_bool_lex, from_lex=_bool_value)


def integer(field: str, predicate: str, datatype: str) -> Typed:
    return Typed(field, predicate, datatype, from_lex=_int_value)


class Timestamp(Codec):
    """xsd:dateTime in UTC; `fallback` names the field written when this one is empty.

    A value written with another precision or an offset (`2019`^^xsd:gYear, `2019-04-01`,
    `…T09:00:00+09:00`) keeps its lexical form in extras `<field>_as_written` and is exported
    as written while it still denotes the stored value.
    """

    def __init__(self, field: str, predicate: str, *, fallback: str | None = None):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.fallback = fallback
        self.datatype = XSD.dateTime
        self.written_key = f"{field}_as_written"

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        value: datetime | None = getattr(rec, self.attr)
        if value is None and self.fallback:
            value = getattr(rec, self.fallback)
        if value is None:
            return
        extras = getattr(rec, "extras", None) or {}
        lex = as_written_lex(extras.get(self.written_key), value) if extras else None
        if lex is None:
            out.triples.append((s, self.predicate, Lit(datetime_lex(value), "", self.datatype)))
        else:
            out.triples.append((s, self.predicate, Lit(lex, "", datatype_of(lex))))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            written = read_written(node)
            if written is not None:
                when = written.moment or datetime.combine(written.start, datetime.min.time())
                found: dict[str, Any] = {self.fields[0]: when}
                if written.precision != "datetime" or local_offset(written.lexical):
                    found["extras"] = {self.written_key: written.lexical}
                return found
            fallback = read_datetime(node)
            if fallback is not None:
                return {self.fields[0]: fallback}
        return {}


class Link(Codec):
    """A URL as an IRI, typed `cls` when the range shapes want a class for it."""

    def __init__(self, field: str, predicate: str, *, cls: str | None = None):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.cls = cls

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        node = iri(getattr(rec, self.attr))
        if node is not None:
            out.triples.append((s, self.predicate, node))
            if self.cls:
                out.typed(node, self.cls, shared=False)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        values = scope.objects(s, self.predicate)
        for node in values:
            if isinstance(node, URIRef):
                return {self.fields[0]: str(node)}
        text = pick_text(values)
        return {self.fields[0]: text} if text else {}


class VocabTerm(Codec):
    """A code from a controlled vocabulary whose concepts are `base + code` (EU authorities).

    `codes` maps our value to the vocabulary code; `parse` reads a literal from sources that
    send a label instead of a concept (e.g. 毎年 for ANNUAL).
    """

    def __init__(
        self,
        field: str,
        predicate: str,
        *,
        base: str,
        cls: str,
        codes: Mapping[str, str],
        parse: Callable[[str], str | None] | None = None,
    ):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.base = base
        self.cls = cls
        self.codes = codes
        self.values = {code: value for value, code in codes.items()}
        self.parse = parse

        self._nodes = {value: mint(base, code) for value, code in codes.items()}

    def node(self, value: str) -> Iri | None:
        return self._nodes.get(value)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        value = getattr(rec, self.attr)
        node = self.node(value) if value else None
        if node is not None:
            out.triples.append((s, self.predicate, node))
            out.typed(node, self.cls)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            text = str(node)
            if isinstance(node, URIRef) and text.startswith(self.base):
                value = self.values.get(text[len(self.base) :])
                if value is not None:
                    return {self.fields[0]: value}
            elif isinstance(node, Literal) and self.parse is not None:
                parsed = self.parse(text)
                if parsed is not None:
                    return {self.fields[0]: parsed}
        return {}
