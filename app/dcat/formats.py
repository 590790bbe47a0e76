"""The one format table: URL suffix, media type, rdflib serializer/parser, direct writer.

It drives the `.ttl/.rdf/.jsonld/.nt` suffixes, Accept negotiation, serialisation and parsing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    ext: str
    media_type: str
    # rdflib plugin names; "" for HTML.
    serializer: str
    parser: str
    # Our direct (streaming) writer, when there is one (see app.dcat.stream).
    stream: bool
    # Media types a client may name in Accept for this format (the first is ours).
    accept: tuple[str, ...]
    charset: bool = True

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def is_rdf(self) -> bool:
        return self.ext != "html"


FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", "turtle", "turtle", True, ("text/turtle", "application/x-turtle")),
    Format("rdf", "application/rdf+xml", "xml", "xml", False, ("application/rdf+xml",)),
    Format(
        "jsonld",
        "application/ld+json",
        "json-ld",
        "json-ld",
        True,
        ("application/ld+json", "application/json"),
        charset=False,
    ),
    Format("nt", "application/n-triples", "nt", "nt", True, ("application/n-triples",)),
)
HTML = Format("html", "text/html", "", "", False, ("text/html", "application/xhtml+xml"))
BY_EXT = {f.ext: f for f in FORMATS}
DUMP_FORMATS = {f"{f.ext}.gz": f for f in FORMATS if f.stream}


def split_ext(ref: str) -> tuple[str, Format | None]:
    """`abc.ttl` -> ("abc", Turtle); `abc` -> ("abc", None). Our names never contain a dot."""
    stem, dot, ext = ref.rpartition(".")
    if dot and ext in BY_EXT:
        return stem, BY_EXT[ext]
    return ref, None


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges: list[tuple[str, str, float]] = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        major, _, minor = media.partition("/")
        ranges.append((major, minor, q))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, str, float]]) -> float:
    """q of the most specific range that matches `offer` (RFC 9110 §12.5.1); -1 if none."""
    major, _, minor = offer.partition("/")
    best_specificity, quality = -1, -1.0
    for r_major, r_minor, q in ranges:
        if r_major == major and r_minor == minor:
            specificity = 2
        elif r_major == major and r_minor == "*":
            specificity = 1
        elif r_major == "*" and r_minor == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, quality = specificity, q
    return quality


def negotiate(accept: str | None, *, html: bool = True) -> Format | None:
    """The format to serve for an Accept header; None if nothing acceptable (406).

    Offers are tried in order (HTML first when allowed), so `*/*` and browsers get HTML,
    while a client that asks for RDF by name gets RDF.
    """
    offers = ([HTML] if html else []) + list(FORMATS)
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    if not ranges:
        return offers[0]
    best: Format | None = None
    best_q = 0.0
    for fmt in offers:
        q = max(_quality(media, ranges) for media in fmt.accept)
        if q > best_q:
            best, best_q = fmt, q
    return best


def supported_media_types(*, html: bool = True) -> str:
    offers = ([HTML] if html else []) + list(FORMATS)
    return ", ".join(f.media_type for f in offers)
