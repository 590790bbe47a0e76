"""Small DCAT-AP feeds in the shapes other portals publish (GovData DCAT-AP.de, opendata.swiss,
data.europa.eu), written for these tests: each situation of issue 13 in a few triples.

`serve(server, name, turtle, fmt)` publishes a Turtle feed as Turtle, RDF/XML or JSON-LD (the
same graph, converted with rdflib), so every situation is pinned in the three syntaxes.
"""

from __future__ import annotations

from rdflib import Graph

from tests.harvest.servers import FixtureServer, Reply

MEDIA = {"ttl": "text/turtle", "rdf": "application/rdf+xml", "jsonld": "application/ld+json"}
RDFLIB = {"ttl": "turtle", "rdf": "pretty-xml", "jsonld": "json-ld"}
FORMATS = list(MEDIA)

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <http://schema.org/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix dcatde: <http://dcat-ap.de/def/dcatde/> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> .
"""

GOVDATA = "https://www.govdata.de/ckan/dataset"
SWISS = "https://opendata.swiss/perma"

# A GovData page: a Berlin record in German only, its language as a literal EU IRI, a publisher
# IRI with foaf:name, EU themes, GeoNames + geometry, schema: dates with offsets, a year-only
# issue date, IANA format IRI, literal media type "ZIP", spdx checksum, a licence IRI we do not
# list, owl:versionInfo, two conformsTo (one literal), a literal dct:rights and a predicate no
# row maps (dcatde:politicalGeocodingLevelURI).
BERLIN = f"""
<{GOVDATA}/berlin-baumbestand> a dcat:Dataset ;
    dct:identifier "berlin-baumbestand" ;
    dct:title "Baumbestand Berlin"@de ;
    dct:description "Straßen- und Anlagenbäume in Berlin."@de ;
    dct:language "http://publications.europa.eu/resource/authority/language/DEU" ;
    dct:publisher <https://www.berlin.de/sen/uvk/> ;
    dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ,
        <http://publications.europa.eu/resource/authority/data-theme/XYZ> ;
    dct:spatial <http://sws.geonames.org/2950157/> , [ a dct:Location ;
        locn:geometry "POINT(13.4 52.5)"^^gsp:wktLiteral ] ;
    dct:temporal [ a dct:PeriodOfTime ;
        schema:startDate "2019-04-01T00:00:00+09:00"^^xsd:dateTime ;
        schema:endDate "2023"^^xsd:gYear ] ;
    dct:issued "2019"^^xsd:gYear ;
    dct:modified "2024-02"^^xsd:gYearMonth ;
    owl:versionInfo "3.1" ;
    dct:conformsTo <https://example.org/spec/trees> , "DIN 18916" ;
    dct:rights "Namensnennung: Senatsverwaltung Berlin"@de ;
    dcatde:politicalGeocodingLevelURI <http://dcat-ap.de/def/politicalGeocoding/Level/state> ;
    dcatde:maintainer "Referat III"@de ;
    dcat:contactPoint [ a vcard:Organization ; vcard:fn "Umweltatlas" ;
        vcard:hasEmail "mailto:umweltatlas@senuvk.berlin.de" ;
        vcard:hasURL "https://www.berlin.de/umweltatlas/" ] ;
    dcat:distribution <{GOVDATA}/berlin-baumbestand/csv> .
<https://www.berlin.de/sen/uvk/> a foaf:Organization ;
    foaf:name "Senatsverwaltung für Umwelt Berlin"@de .
<{GOVDATA}/berlin-baumbestand/csv> a dcat:Distribution ;
    dct:title "Baumbestand (CSV)"@de ;
    dcat:accessURL <https://daten.berlin.de/baeume.csv> ;
    dct:format <http://www.iana.org/assignments/media-types/text/csv> ;
    dcat:mediaType "ZIP" ;
    dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;
    spdx:checksum [ a spdx:Checksum ;
        spdx:algorithm spdx:checksumAlgorithm_sha1 ;
        spdx:checksumValue "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"^^xsd:hexBinary ] ;
    dcatde:licenseAttributionByText "Senatsverwaltung Berlin" .
"""

# opendata.swiss: a blank-node dataset identified by dct:identifier, titled in four languages,
# its languages as ISO codes; and a data.europa.eu style record with no IRI and no identifier.
SWISS_AND_BLANK = """
[] a dcat:Dataset ;
    dct:identifier "niederschlag@meteoschweiz" ;
    dct:title "Niederschlag"@de , "Précipitations"@fr , "Precipitazioni"@it ,
        "Rainfall observations"@en , "降水量の観測"@ja-JP ;
    dct:description "Tägliche Messungen."@de , "Daily measurements."@en ;
    dct:language "de" , "fr" , "it" , "en" ;
    adms:version "2" ;
    dcat:distribution [ a dcat:Distribution ;
        dct:title "CSV"@de ;
        dcat:accessURL <https://data.geo.admin.ch/rain.csv> ;
        dct:format <https://publications.europa.eu/resource/authority/file-type/CSV> ;
        dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ] .

[] a dcat:Dataset ;
    dct:title "Air quality 2020"@en ;
    dct:language <http://lexvo.org/id/iso639-3/eng> ;
    dcat:distribution [ a dcat:Distribution ;
        dcat:accessURL <https://example.eu/air.json> ;
        dct:format [ a dct:MediaTypeOrExtent ; skos:prefLabel "GeoJSON" ] ] .
"""


def feed(*parts: str) -> str:
    return PREFIXES + "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + "\n".join(parts)


def convert(turtle: str, fmt: str) -> bytes:
    if fmt == "ttl":
        return turtle.encode()
    graph = Graph().parse(data=turtle, format="turtle")
    return graph.serialize(format=RDFLIB[fmt]).encode()


def serve(server: FixtureServer, name: str, body: bytes, fmt: str) -> str:
    path = f"/{name}.{fmt}"
    server.route(path, Reply(body=body, headers={"Content-Type": MEDIA[fmt]}))
    return server.url(path)
