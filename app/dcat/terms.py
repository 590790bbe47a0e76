"""THE mapping table: every field we publish, its DCAT-AP 3 property, and the codec that maps
it both ways. Export (graph and stream writers) and import (`app.dcat.read`) both loop over
these rows; `tests/dcat/test_roundtrip.py` checks every row survives the round trip.

`source` is the attribute of the output record (DatasetOut, ResourceOut, OrganizationOut,
MeasureOut, CategoryOut); the codec's `fields` are the input keys it reads back (DatasetCreate,
ResourceIn, or the measure/organisation record fields).
"""

from __future__ import annotations

from functools import lru_cache

from app.datasets.vocab import (
    EU_FREQUENCY_BASE,
    FREQUENCIES,
    STANDARD_DATASET_SPEC,
    normalise_frequency,
)
from app.dcat.codec import Term
from app.dcat.codecs import (
    LangText,
    Link,
    Texts,
    Timestamp,
    Typed,
    VocabTerm,
    boolean,
    integer,
)
from app.dcat.coverage import MoreStandards, SpatialKept, Statements, Version
from app.dcat.distribution import (
    AccessURL,
    Checksum,
    Distributions,
    FileFormat,
    MediaTypeLink,
)
from app.dcat.kept import KeptValues
from app.dcat.multilingual import EU_CODES, DatasetLanguage, MultiText
from app.dcat.namespaces import (
    DCAT,
    DCT,
    EU_LANGUAGE,
    FOAF,
    PLAN,
    ROLE_CUSTODIAN,
    ROLE_PUBLISHER,
    SKOS,
    XSD,
)
from app.dcat.nodes import (
    Agent,
    AgentIdentifier,
    AreaCode,
    ContactPoint,
    LicenseLink,
    Period,
    PersonAgent,
    PlaceName,
    PublisherType,
    RoleAttribution,
    code_from_sac,
)
from app.dcat.plan import Ministries, PriorityFields, Summary
from app.dcat.refs import MeasureLinks, NameIdentifier, Standard, StandardKind, Themes

# ISO 639-1 (what we store) -> EU language authority code (what dct:language wants).
LANGUAGES = EU_CODES


def language(field: str) -> VocabTerm:
    return VocabTerm(
        field,
        DCT.language,
        base=EU_LANGUAGE,
        cls=DCT.LinguisticSystem,
        codes=LANGUAGES,
        parse=lambda text: text.lower() if text.lower() in LANGUAGES else None,
    )


# A publisher (foaf:Agent): DatasetOut.organization (OrganizationRef) or an OrganizationOut.
AGENT_TERMS: tuple[Term, ...] = (
    Term("title", LangText("title", FOAF.name)),
    Term("code | name", AgentIdentifier(), "local-government code, else the ministry name"),
    Term("kind", PublisherType(), "ADMS publisher type"),
    Term("code", AreaCode("code"), "e-Stat standard area code of a local government"),
)

ORGANIZATION_TERMS: tuple[Term, ...] = (
    *AGENT_TERMS,
    Term("title_en", LangText("title_en", FOAF.name, lang="en", strict=True)),
    Term("kana", LangText("kana", SKOS.altLabel, lang="ja-kana", strict=True)),
    Term("description", LangText("description", DCT.description)),
    Term("homepage", Link("homepage", FOAF.homepage, cls=FOAF.Document)),
)

DISTRIBUTION_TERMS: tuple[Term, ...] = (
    Term("name", MultiText("name", DCT.title, dataset_language=True)),
    Term("description", MultiText("description", DCT.description, dataset_language=True)),
    Term("url", AccessURL(), "falls back to the download URL, then to the distribution URI"),
    Term("download_url", Link("download_url", DCAT.downloadURL)),
    Term("format", FileFormat(), "EU file-type when known, else a labelled node"),
    Term("mimetype", MediaTypeLink()),
    Term("size", integer("size", DCAT.byteSize, XSD.nonNegativeInteger)),
    Term("hash", Checksum()),
    Term("license_id", LicenseLink("license_id", inherit=True), "else the dataset's licence"),
    Term("language", language("language")),
    Term("created", Timestamp("created", DCT.issued)),
    Term("last_modified", Timestamp("last_modified", DCT.modified)),
    Term("extras", Statements(DCT.rights), "kept under the property IRI"),
    Term("extras", KeptValues(), "what no row read, kept and published again"),
)

DATASET_TERMS: tuple[Term, ...] = (
    Term("id", Typed("id", DCT.identifier), "the UUID, as in the dataset URI"),
    Term("name", NameIdentifier(), "CKAN name as adms:identifier"),
    Term("title", MultiText("title", DCT.title), "every language: others in extras title@tag"),
    Term(
        "notes",
        MultiText("notes", DCT.description, fallback="title", fallback_predicate=DCT.title),
        "mandatory in DCAT-AP: the title stands in for an empty description",
    ),
    Term("tags", Texts("tags", DCAT.keyword)),
    Term("categories", Themes()),
    Term(
        "organization",
        Agent("owner_org", DCT.publisher, source="organization", agent_terms=AGENT_TERMS),
        "a foaf:Agent: name, identifier, ADMS type, e-Stat area of a local government",
    ),
    Term("contact_name, contact_email, contact_url", ContactPoint()),
    Term(
        "frequency",
        VocabTerm(
            "frequency",
            DCT.accrualPeriodicity,
            base=EU_FREQUENCY_BASE,
            cls=DCT.Frequency,
            codes={code: code for code in FREQUENCIES},
            parse=normalise_frequency,
        ),
    ),
    Term("language", DatasetLanguage(), "every form; more languages in extras `languages`"),
    Term("spatial", PlaceName("spatial")),
    Term("spatial_code", AreaCode("spatial_code")),
    Term("extras", SpatialKept(lambda uri: code_from_sac(uri) is not None), "IRIs, geometry"),
    Term("temporal_start, temporal_end", Period()),
    Term("issued", Timestamp("issued", DCT.issued, fallback="metadata_created")),
    Term("modified", Timestamp("modified", DCT.modified, fallback="metadata_modified")),
    Term("license", LicenseLink("license_id", source="license"), "also on each distribution"),
    Term("url", Link("url", DCAT.landingPage, cls=FOAF.Document)),
    Term("version", Version(), "also owl:versionInfo, adms:version"),
    Term("conforms_to", Standard()),
    Term("extras", MoreStandards(STANDARD_DATASET_SPEC + "#"), "every further conformsTo"),
    Term("extras", Statements(DCT.rights), "kept under the property IRI"),
    Term("extras", Statements(DCT.accessRights)),
    Term("extras", Statements(DCT.provenance)),
    Term("standard_kind", StandardKind(), "自治体標準オープンデータセット definition"),
    Term("author, author_email", PersonAgent("author", "author_email", DCT.creator, "#creator")),
    Term(
        "maintainer, maintainer_email",
        RoleAttribution("maintainer", "maintainer_email", ROLE_CUSTODIAN, "#maintainer"),
    ),
    Term(
        "publisher_name",
        RoleAttribution("publisher_name", None, ROLE_PUBLISHER, "#publisher-name"),
        "the provider's own publisher name; dct:publisher stays the organisation",
    ),
    Term("measures", MeasureLinks(), "the measure catalogue lists the dataset (dcat:dataset)"),
    Term("resources", Distributions(DISTRIBUTION_TERMS)),
    Term("extras", KeptValues(), "what no row read, kept and published again"),
)

CATEGORY_TERMS: tuple[Term, ...] = (
    Term("title", LangText("title", SKOS.prefLabel)),
    Term("title_en", LangText("title_en", SKOS.prefLabel, lang="en", strict=True)),
)


@lru_cache(maxsize=8)
def measure_terms(plan_ns: str) -> tuple[Term, ...]:
    """The measure rows; our plan vocabulary lives under the base URI, hence the argument."""
    return (
        Term("id", Typed("id", DCT.identifier)),
        Term("title", LangText("title", DCT.title)),
        Term("summary", Summary()),
        Term("ministries", Ministries(plan_ns, AGENT_TERMS), "publisher = first lead ministry"),
        Term("priority_fields", PriorityFields(plan_ns)),
        Term("kpi_progress", LangText("kpi_progress", plan_ns + PLAN.kpiProgress)),
        Term("kpi_effect", LangText("kpi_effect", plan_ns + PLAN.kpiEffect)),
        Term("in_main_text", boolean("in_main_text", plan_ns + PLAN.inMainText)),
        Term("section", integer("section", plan_ns + PLAN.sectionNumber, XSD.integer)),
        Term("section_title", LangText("section_title", plan_ns + PLAN.section)),
        Term("article", LangText("article", plan_ns + PLAN.article)),
    )
