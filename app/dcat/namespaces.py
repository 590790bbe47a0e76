"""Vocabulary IRIs used by the DCAT layer, as plain strings (the stream writers need no rdflib).

Only the terms we emit or read are listed, so a typo is an AttributeError, not a silent new IRI.
"""

from __future__ import annotations


class RDF:
    ns = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    type = ns + "type"


class RDFS:
    ns = "http://www.w3.org/2000/01/rdf-schema#"
    label = ns + "label"
    comment = ns + "comment"
    Class = ns + "Class"
    isDefinedBy = ns + "isDefinedBy"
    domain = ns + "domain"
    range = ns + "range"


class XSD:
    ns = "http://www.w3.org/2001/XMLSchema#"
    string = ns + "string"
    boolean = ns + "boolean"
    integer = ns + "integer"
    nonNegativeInteger = ns + "nonNegativeInteger"
    date = ns + "date"
    dateTime = ns + "dateTime"
    hexBinary = ns + "hexBinary"
    gYear = ns + "gYear"
    gYearMonth = ns + "gYearMonth"


class DCAT:
    ns = "http://www.w3.org/ns/dcat#"
    Catalog = ns + "Catalog"
    Dataset = ns + "Dataset"
    Distribution = ns + "Distribution"
    accessURL = ns + "accessURL"
    byteSize = ns + "byteSize"
    catalog = ns + "catalog"
    contactPoint = ns + "contactPoint"
    dataset = ns + "dataset"
    distribution = ns + "distribution"
    downloadURL = ns + "downloadURL"
    bbox = ns + "bbox"
    centroid = ns + "centroid"
    endDate = ns + "endDate"
    hadRole = ns + "hadRole"
    keyword = ns + "keyword"
    landingPage = ns + "landingPage"
    mediaType = ns + "mediaType"
    startDate = ns + "startDate"
    theme = ns + "theme"
    themeTaxonomy = ns + "themeTaxonomy"
    version = ns + "version"


class DCT:
    ns = "http://purl.org/dc/terms/"
    Frequency = ns + "Frequency"
    LicenseDocument = ns + "LicenseDocument"
    LinguisticSystem = ns + "LinguisticSystem"
    Location = ns + "Location"
    MediaType = ns + "MediaType"
    MediaTypeOrExtent = ns + "MediaTypeOrExtent"
    PeriodOfTime = ns + "PeriodOfTime"
    Standard = ns + "Standard"
    accessRights = ns + "accessRights"
    accrualPeriodicity = ns + "accrualPeriodicity"
    conformsTo = ns + "conformsTo"
    RightsStatement = ns + "RightsStatement"
    contributor = ns + "contributor"
    creator = ns + "creator"
    description = ns + "description"
    format = ns + "format"
    identifier = ns + "identifier"
    issued = ns + "issued"
    language = ns + "language"
    license = ns + "license"
    modified = ns + "modified"
    provenance = ns + "provenance"
    publisher = ns + "publisher"
    rights = ns + "rights"
    spatial = ns + "spatial"
    temporal = ns + "temporal"
    title = ns + "title"
    type = ns + "type"


class FOAF:
    ns = "http://xmlns.com/foaf/0.1/"
    Agent = ns + "Agent"
    Document = ns + "Document"
    homepage = ns + "homepage"
    mbox = ns + "mbox"
    name = ns + "name"
    page = ns + "page"


class VCARD:
    ns = "http://www.w3.org/2006/vcard/ns#"
    Kind = ns + "Kind"
    fn = ns + "fn"
    hasEmail = ns + "hasEmail"
    hasURL = ns + "hasURL"
    organization_name = ns + "organization-name"
    value = ns + "value"


class SKOS:
    ns = "http://www.w3.org/2004/02/skos/core#"
    Concept = ns + "Concept"
    ConceptScheme = ns + "ConceptScheme"
    altLabel = ns + "altLabel"
    hasTopConcept = ns + "hasTopConcept"
    inScheme = ns + "inScheme"
    notation = ns + "notation"
    prefLabel = ns + "prefLabel"
    topConceptOf = ns + "topConceptOf"


class SPDX:
    ns = "http://spdx.org/rdf/terms#"
    Checksum = ns + "Checksum"
    algorithm = ns + "algorithm"
    checksum = ns + "checksum"
    checksumValue = ns + "checksumValue"


class ADMS:
    ns = "http://www.w3.org/ns/adms#"
    Identifier = ns + "Identifier"
    identifier = ns + "identifier"
    version = ns + "version"


class PROV:
    ns = "http://www.w3.org/ns/prov#"
    Attribution = ns + "Attribution"
    agent = ns + "agent"
    qualifiedAttribution = ns + "qualifiedAttribution"


class LOCN:
    ns = "http://www.w3.org/ns/locn#"
    geographicName = ns + "geographicName"
    geometry = ns + "geometry"


class SCHEMA:
    """schema.org terms DCAT-AP 1.x/2 feeds use for periods (deprecated in DCAT-AP 3)."""

    ns = "http://schema.org/"
    startDate = ns + "startDate"
    endDate = ns + "endDate"


class TIME:
    ns = "http://www.w3.org/2006/time#"
    hasBeginning = ns + "hasBeginning"
    hasEnd = ns + "hasEnd"
    inXSDDate = ns + "inXSDDate"
    inXSDDateTime = ns + "inXSDDateTime"
    inXSDDateTimeStamp = ns + "inXSDDateTimeStamp"
    inXSDgYear = ns + "inXSDgYear"
    inXSDgYearMonth = ns + "inXSDgYearMonth"


class HYDRA:
    ns = "http://www.w3.org/ns/hydra/core#"
    PagedCollection = ns + "PagedCollection"
    firstPage = ns + "firstPage"
    itemsPerPage = ns + "itemsPerPage"
    lastPage = ns + "lastPage"
    nextPage = ns + "nextPage"
    previousPage = ns + "previousPage"
    totalItems = ns + "totalItems"


class OWL:
    ns = "http://www.w3.org/2002/07/owl#"
    Ontology = ns + "Ontology"
    DatatypeProperty = ns + "DatatypeProperty"
    ObjectProperty = ns + "ObjectProperty"
    versionInfo = ns + "versionInfo"


class PLAN:
    """Our vocabulary for the fields of the national plan; it lives under the base URI."""

    path = "/ns/plan#"
    kpiProgress = "kpiProgress"
    kpiEffect = "kpiEffect"
    article = "article"
    section = "section"
    sectionNumber = "sectionNumber"
    inMainText = "inMainText"
    ministry = "ministry"
    priorityFields = "priorityFields"


# Prefixes of the Turtle writer and of the JSON-LD @context (our plan vocabulary is added per base).
PREFIXES: dict[str, str] = {
    "rdf": RDF.ns,
    "rdfs": RDFS.ns,
    "xsd": XSD.ns,
    "dcat": DCAT.ns,
    "dct": DCT.ns,
    "foaf": FOAF.ns,
    "vcard": VCARD.ns,
    "skos": SKOS.ns,
    "spdx": SPDX.ns,
    "adms": ADMS.ns,
    "prov": PROV.ns,
    "locn": LOCN.ns,
    "hydra": HYDRA.ns,
    "owl": OWL.ns,
}

# Controlled vocabularies of the EU Publications Office that DCAT-AP recommends.
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
# ISO 19115 responsible-party roles (INSPIRE code list), for dcat:hadRole.
RESPONSIBLE_PARTY_ROLE = "http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/"
ROLE_CUSTODIAN = RESPONSIBLE_PARTY_ROLE + "custodian"
ROLE_PUBLISHER = RESPONSIBLE_PARTY_ROLE + "publisher"
