"""Codecs for distributions: access URL, format, media type, checksum, and the list itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from app.dcat.codec import Codec, Emission, ReadScope, Term, emitters, read_all, read_datetime
from app.dcat.context import Context, parse_own_uri
from app.dcat.iri import mint
from app.dcat.kept import consumed, ill_typed, leftovers
from app.dcat.namespaces import (
    DCAT,
    DCT,
    EU_FILE_TYPE,
    IANA_MEDIA_TYPES,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    XSD,
)
from app.dcat.nodes import license_id_for
from app.dcat.triples import Iri, Lit, iri

# EU file-type authority codes for the formats CKAN portals write; anything else is kept as a
# labelled dct:MediaTypeOrExtent so that no format is lost.
_FILE_TYPES = (
    "CSV TSV XLS XLSX ODS JSON XML PDF ZIP GZIP TAR HTML TXT DOC DOCX ODT PPT PPTX RTF "
    "RDF_XML RDF_TURTLE N_TRIPLES JSON_LD GEOJSON KML KMZ SHP GML GPKG TIFF JPEG PNG GIF SVG "
    "MP3 MP4 WMS_SRVC WFS_SRVC"
)
FILE_TYPES = frozenset(_FILE_TYPES.split(" "))
_DISTRIBUTION = Iri(DCAT.Distribution)
_FILE_TYPE_IRIS = {code: mint(EU_FILE_TYPE, code) for code in FILE_TYPES}
FORMAT_ALIASES = {
    "RDF/XML": "RDF_XML",
    "RDF": "RDF_XML",
    "TTL": "RDF_TURTLE",
    "TURTLE": "RDF_TURTLE",
    "NT": "N_TRIPLES",
    "N-TRIPLES": "N_TRIPLES",
    "JSON-LD": "JSON_LD",
    "JSONLD": "JSON_LD",
    "TEXT": "TXT",
    "JPG": "JPEG",
    "TIF": "TIFF",
    "HTM": "HTML",
    "GZ": "GZIP",
    "SHAPEFILE": "SHP",
}
FORMAT_NAMES = {"RDF_XML": "RDF/XML", "RDF_TURTLE": "TTL", "N_TRIPLES": "NT", "JSON_LD": "JSON-LD"}
MEDIA_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
HEX_RE = re.compile(r"^(?:[0-9a-f]{2})+$")
SPDX_ALGORITHM = SPDX.ns + "checksumAlgorithm_"
ALGORITHMS_BY_LENGTH = {
    32: "md5",
    40: "sha1",
    56: "sha224",
    64: "sha256",
    96: "sha384",
    128: "sha512",
}


def file_type(value: str) -> str | None:
    code = value.strip().upper().lstrip(".")
    code = FORMAT_ALIASES.get(code, code)
    return code if code in FILE_TYPES else None


class AccessURL(Codec):
    """dcat:accessURL (mandatory): the resource URL, else its download URL, else the
    distribution's own URI (which dereferences to the dataset)."""

    fields = ("url",)
    predicate = DCAT.accessURL

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        node = iri(rec.url) or iri(rec.download_url) or s
        out.triples.append((s, self.predicate, node))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for value in scope.iris(s, self.predicate):
            if value != str(s):
                return {"url": value}
        return {}


class FileFormat(Codec):
    fields = ("format",)
    predicate = DCT.format

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        text = rec.format.strip()
        if not text:
            return
        code = file_type(text)
        if code is not None:
            node = _FILE_TYPE_IRIS[code]
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.MediaTypeOrExtent)
        elif text.startswith(("http://", "https://")) and (known := iri(text)) is not None:
            out.triples.append((s, self.predicate, known))  # a format IRI we don't list, as given
            out.typed(known, DCT.MediaTypeOrExtent, shared=False)
        else:
            node = mint(s, fragment="format")
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.MediaTypeOrExtent, shared=False)
            out.triples.append((node, RDFS.label, Lit(text)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        """EU file-type IRIs (http/https, any case), IANA media-type IRIs (the format named
        from the subtype, the media type kept too), labelled nodes, literals; an unknown IRI is
        kept as the format, as given."""
        for node in scope.objects(s, self.predicate):
            text = str(node)
            if isinstance(node, Literal):
                return {"format": text.strip()}
            if isinstance(node, URIRef):
                code = eu_file_type(text)
                if code is not None:
                    return {"format": FORMAT_NAMES.get(code, code)}
                media = iana_media_type(text)
                if media is not None:
                    return {"format": format_of_media_type(media), "mimetype": media}
            label = next((scope.text(node, p, None) for p in FORMAT_LABELS
                          if scope.text(node, p, None)), None)
            if label:
                return {"format": label}
            if isinstance(node, URIRef):
                return {"format": text}
        return {}


FORMAT_LABELS = (RDFS.label, SKOS.prefLabel, DCT.title, SKOS.notation)
MEDIA_TYPE_FORMATS = {
    "text/csv": "CSV", "application/json": "JSON", "application/xml": "XML", "text/xml": "XML",
    "application/pdf": "PDF", "application/zip": "ZIP", "text/html": "HTML",
    "text/plain": "TXT", "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/geo+json": "GEOJSON", "application/rdf+xml": "RDF/XML",
    "text/turtle": "TTL", "application/ld+json": "JSON-LD", "application/n-triples": "NT",
    "text/tab-separated-values": "TSV", "application/gzip": "GZIP", "image/png": "PNG",
    "image/jpeg": "JPEG", "application/vnd.google-earth.kml+xml": "KML",
}  # fmt: skip
FORMAT_MEDIA_TYPES = {fmt: media for media, fmt in MEDIA_TYPE_FORMATS.items()}


def eu_file_type(uri: str) -> str | None:
    """The EU file-type code of an authority IRI, whatever its scheme and case."""
    low = uri.split("://", 1)[-1].lower()
    if not low.startswith(EU_FILE_TYPE.split("://", 1)[-1]):
        return None
    code = uri.rstrip("/").rsplit("/", 1)[-1].upper()
    return code or None


def iana_media_type(uri: str) -> str | None:
    """`type/subtype` of an IANA media-types IRI (http/https, www or not)."""
    tail = uri.split("/assignments/media-types/", 1)
    if len(tail) != 2 or "iana.org" not in tail[0].lower():
        return None
    media = tail[1].strip("/").lower()
    return media if MEDIA_TYPE_RE.match(media) else None


def format_of_media_type(media: str) -> str:
    known = MEDIA_TYPE_FORMATS.get(media)
    if known:
        return known
    return media.rsplit("/", 1)[-1].rsplit("+", 1)[-1].upper()


class MediaTypeLink(Codec):
    """dcat:mediaType: an IANA media type IRI (only well-formed `type/subtype` values)."""

    fields = ("mimetype",)
    predicate = DCAT.mediaType

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        value = rec.mimetype.strip().lower()
        if MEDIA_TYPE_RE.match(value):
            node = mint(IANA_MEDIA_TYPES + value)  # type/subtype: the / stays
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.MediaType)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        """IANA IRIs in every spelling and `type/subtype` literals; a literal naming a file type
        (`"ZIP"`) becomes its media type, with a note; any other literal is kept as is."""
        for node in scope.objects(s, self.predicate):
            text = str(node).strip()
            media = iana_media_type(text) if isinstance(node, URIRef) else None
            if media is not None:
                return {"mimetype": media}
            if isinstance(node, Literal):
                if MEDIA_TYPE_RE.match(text.lower()):
                    return {"mimetype": text.lower()}
                code = file_type(text)
                name = FORMAT_NAMES.get(code, code) if code else None
                media = FORMAT_MEDIA_TYPES.get(name or "")
                if media:
                    scope.notes.append(f"dcat:mediaType {text!r} read as {media}")
                    return {"mimetype": media}
                scope.notes.append(f"dcat:mediaType {text!r} is not a media type: kept as given")
                return {"mimetype": text}
        return {}


def parse_hash(value: str) -> tuple[str, str] | None:
    """(algorithm, lowercase hex) of a CKAN hash: `sha256:…` or bare hex of a known length."""
    text = value.strip().lower()
    algorithm, _, digest = text.rpartition(":")
    algorithm = algorithm.replace("-", "")
    if not HEX_RE.match(digest):
        return None
    if not algorithm:
        algorithm = ALGORITHMS_BY_LENGTH.get(len(digest), "")
    return (algorithm, digest) if algorithm.isalnum() else None


def algorithm_name(value: str) -> str:
    """`sha256` from spdx:checksumAlgorithm_sha256, …/ChecksumAlgorithm/SHA-256, "SHA256"."""
    tail = re.split(r"[#/_]", value.rstrip("/"))[-1]
    return re.sub(r"[^a-z0-9]", "", tail.lower())


class Checksum(Codec):
    """spdx:checksum from the CKAN hash; a hash that is not hex cannot be typed and is left out.

    Read back as bare hex when the length implies the algorithm, else as `algorithm:hex`.
    """

    fields = ("hash",)
    predicate = SPDX.checksum

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        parsed = parse_hash(rec.hash) if rec.hash else None
        if parsed is None:
            return
        algorithm, digest = parsed
        node = mint(s, fragment="checksum")
        out.triples.append((s, self.predicate, node))
        out.typed(node, SPDX.Checksum, shared=False)
        out.triples.append((node, SPDX.algorithm, mint(SPDX_ALGORITHM, algorithm)))
        out.triples.append((node, SPDX.checksumValue, Lit(digest, "", XSD.hexBinary)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            value = scope.value(node, SPDX.checksumValue)
            algorithm = scope.value(node, SPDX.algorithm)
            if value is None:
                continue
            digest = str(value).strip().lower()
            name = algorithm_name(str(algorithm)) if algorithm is not None else ""
            if not name or ALGORITHMS_BY_LENGTH.get(len(digest)) == name:
                return {"hash": digest}
            return {"hash": f"{name}:{digest}"}
        return {}


class Distributions(Codec):
    """dcat:distribution: each resource as a dcat:Distribution described by `terms`."""

    fields = ("resources",)
    predicate = DCAT.distribution

    def __init__(self, terms: Sequence[Term]):
        self.terms = tuple(terms)
        self._emitters = emitters(self.terms)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        out.dataset = rec
        add = out.triples.append
        for res in rec.resources:
            node = ctx.distribution(rec.id, res.id)
            add((s, self.predicate, node))
            add((node, RDF.type, _DISTRIBUTION))
            for emit in self._emitters:
                emit(res, node, ctx, out)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        iris = scope.iris(s, DCT.license)
        licenses = [license_id_for(v, scope) for v in iris]
        scope.dataset_license = next((lic for lic in licenses if lic), None)
        unknown = [v for v, lic in zip(iris, licenses, strict=True) if lic is None]
        scope.dataset_remote_license = unknown[0] if unknown else None
        done = consumed(self.terms)
        found: list[tuple[tuple[str, str], dict[str, Any]]] = []
        for node in scope.objects(s, self.predicate):
            values = read_all(self.terms, node, scope)
            what = f"distribution {node}" if isinstance(node, URIRef) else "a distribution"
            kept = leftovers(scope, node, done, what)
            ill_typed(scope, node, what)
            if kept:
                values["extras"] = {**values.get("extras", {}), **kept}
            own = parse_own_uri(str(node)) if isinstance(node, URIRef) else None
            if own is not None and own[2]:
                values["id"] = own[2]
            issued = read_datetime(scope.value(node, DCT.issued))
            found.append(((issued.isoformat() if issued else "", str(node)), values))
        # RDF has no order: sort by issue date, then URI, so re-reading is stable.
        found.sort(key=lambda item: item[0])
        return {"resources": [values for _key, values in found]}
