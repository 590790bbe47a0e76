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
from app.dcat.namespaces import (
    DCAT,
    DCT,
    EU_FILE_TYPE,
    IANA_MEDIA_TYPES,
    RDF,
    RDFS,
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
        else:
            node = mint(s, fragment="format")
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.MediaTypeOrExtent, shared=False)
            out.triples.append((node, RDFS.label, Lit(text)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            text = str(node)
            if isinstance(node, Literal):
                return {"format": text}
            if text.startswith(EU_FILE_TYPE):
                code = text[len(EU_FILE_TYPE) :]
                return {"format": FORMAT_NAMES.get(code, code)}
            label = scope.text(node, RDFS.label, None)
            if label:
                return {"format": label}
        return {}


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
        for node in scope.objects(s, self.predicate):
            text = str(node)
            tail = text.split("/assignments/media-types/", 1)
            if isinstance(node, URIRef) and len(tail) == 2:
                return {"mimetype": tail[1]}
            if isinstance(node, Literal) and MEDIA_TYPE_RE.match(text):
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
            digest = str(value).lower()
            name = str(algorithm).rsplit("_", 1)[-1] if algorithm is not None else ""
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
        licenses = [license_id_for(v, scope) for v in scope.iris(s, DCT.license)]
        scope.dataset_license = next((lic for lic in licenses if lic), None)
        found: list[tuple[tuple[str, str], dict[str, Any]]] = []
        for node in scope.objects(s, self.predicate):
            values = read_all(self.terms, node, scope)
            own = parse_own_uri(str(node)) if isinstance(node, URIRef) else None
            if own is not None and own[2]:
                values["id"] = own[2]
            issued = read_datetime(scope.value(node, DCT.issued))
            found.append(((issued.isoformat() if issued else "", str(node)), values))
        # RDF has no order: sort by issue date, then URI, so re-reading is stable.
        found.sort(key=lambda item: item[0])
        return {"resources": [values for _key, values in found]}
