"""Languages of a record: `dct:language` in every form, and texts kept in every language.

A dataset's title and description are stored in its own language (`title`, `notes`); the
same property in other languages is kept in extras as `title@<tag>` / `notes@<tag>` (BCP 47
tag as the feed wrote it). When the stored text's own tag is not the record's language (a
`ja-JP` title of a `ja` dataset), the tag is kept as `title_lang`. The export writes each text
with its own tag again, so a German-only dataset is exported `@de`, never `@ja`.

`localized(values, lang)` gives the text for a reader's language (API `lang` parameter).
"""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from app.dcat import langtags
from app.dcat.codec import Codec, Emission, ReadScope, pick_literal
from app.dcat.context import Context
from app.dcat.langtags import translations
from app.dcat.namespaces import DCT, EU_LANGUAGE
from app.dcat.triples import Iri

LANG_KEY = "{field}@{tag}"
# ISO 639-1 -> EU language authority code; the first 639-2/3 code listed is the EU's.
EU_CODES: dict[str, str] = {}
for _three, _two in langtags.ISO639_3.items():
    if len(_two) == 2:
        EU_CODES.setdefault(_two, _three.upper())


def dataset_languages(scope: ReadScope, s: Node) -> list[str]:
    """ISO 639-1 codes of every dct:language value (EU authority IRI or literal, ISO 639-1/2/3
    code, lexvo IRI, BCP 47 tag), in a stable order; unreadable values are noted."""
    found: list[str] = []
    for node in scope.objects(s, DCT.language):
        code = langtags.language_code(str(node))
        if code is None and not isinstance(node, (URIRef, Literal)):
            continue  # a blank node: no code to read
        if code is None:
            scope.notes.append(f"dct:language {node} not understood: kept as extra")
        elif code not in found:
            found.append(code)
    if "ja" in found:  # ours first when the feed lists several
        found.remove("ja")
        found.insert(0, "ja")
    return found


class DatasetLanguage(Codec):
    """dct:language: the first language is `language`, the others extras `languages`."""

    fields = ("language",)
    predicate = DCT.language

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        codes = [rec.language or "ja"]
        codes += (getattr(rec, "extras", None) or {}).get("languages", "").split()
        for code in dict.fromkeys(codes):
            eu = EU_CODES.get(code)
            if eu:
                node = Iri(EU_LANGUAGE + eu)
                out.triples.append((s, self.predicate, node))
                out.typed(node, DCT.LinguisticSystem)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        codes = dataset_languages(scope, s)
        if not codes:
            return {}
        found: dict[str, Any] = {"language": codes[0]}
        if len(codes) > 1:
            found["extras"] = {"languages": " ".join(codes[1:])}
        return found


class MultiText(Codec):
    """A text kept in every language: the record's language in the field, others in extras.

    `fallback` names a field written when this one is empty (DCAT-AP's mandatory description
    repeats the title); read back, a description equal to the title means "no description".
    """

    def __init__(
        self,
        field: str,
        predicate: str,
        *,
        fallback: str | None = None,
        fallback_predicate: str | None = None,
        dataset_language: bool = False,
    ):
        self.fields = (field,)
        self.attr = field
        self.predicate = predicate
        self.fallback = fallback
        self.fallback_predicate = fallback_predicate
        # Distributions: texts are in the dataset's language (their own is the file's).
        self.dataset_language = dataset_language

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        extras = getattr(rec, "extras", None) or {}
        value = getattr(rec, self.attr) or (getattr(rec, self.fallback) if self.fallback else "")
        holder = out.dataset if self.dataset_language and out.dataset is not None else rec
        own = extras.get(f"{self.attr}_lang") or getattr(holder, "language", "") or "ja"
        if value:
            out.triples.append((s, self.predicate, (value, own, "")))
        fallbacks = translations(extras, self.fallback) if self.fallback else {}
        for tag, text in sorted({**fallbacks, **translations(extras, self.attr)}.items()):
            if text and tag != own:
                out.triples.append((s, self.predicate, (text, tag, "")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        nodes = [n for n in scope.objects(s, self.predicate) if isinstance(n, Literal)]
        primary = pick_literal(nodes, scope.language)
        if primary is None:
            return {}
        field = self.attr
        titles: dict[str | None, str] = {}
        if self.fallback_predicate:
            for n in scope.objects(s, self.fallback_predicate):
                if isinstance(n, Literal):
                    titles[n.language] = str(n)
        extras: dict[str, str] = {}
        for lit in nodes:
            if lit is primary or titles.get(lit.language) == str(lit):
                continue
            if lit.language:
                extras[LANG_KEY.format(field=field, tag=lit.language)] = str(lit)
            else:
                scope.notes.append(f"a second {field} without a language was dropped")
        tag = primary.language
        if tag and tag.lower() != scope.language.lower():
            extras[f"{field}_lang"] = tag
        value = "" if titles.get(tag) == str(primary) else str(primary)
        found: dict[str, Any] = {field: value}
        if extras:
            found["extras"] = extras
        return found
