"""Codecs for fields that become a node of their own: agents, contact point, period, licence.

Nested nodes get fragment IRIs under their subject (`…#contact`), never blank nodes. Nodes
shared by many datasets (publishers, licences, concepts) are described once per `Emission`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from app.dcat.codec import Codec, Emission, ReadScope, Term, emit_all, read_all
from app.dcat.context import Context, parse_own_uri
from app.dcat.dates import as_written_lex, datatype_of, read_written
from app.dcat.iri import mint
from app.dcat.namespaces import (
    ADMS_PUBLISHER_TYPE,
    DCAT,
    DCT,
    FOAF,
    LOCN,
    PROV,
    RDF,
    RDFS,
    ROLE_PUBLISHER,
    SCHEMA,
    SKOS,
    TIME,
    VCARD,
)
from app.dcat.triples import Iri, Lit, date_lex, iri, mailto, unmailto
from app.organizations.codes import ESTAT_SAC, lg_check_digit

PUBLISHER_TYPES = {
    "ministry": "NationalAuthority",
    "prefecture": "RegionalAuthority",
    "municipality": "LocalAuthority",
}
PUBLISHER_TYPE_LABELS = {
    "NationalAuthority": "National authority",
    "RegionalAuthority": "Regional authority",
    "LocalAuthority": "Local authority",
}


def sac_uri(code: str) -> Iri:
    return mint(ESTAT_SAC, code[:5])


def code_from_sac(uri: str) -> str | None:
    first5 = uri[len(ESTAT_SAC) :]
    if not uri.startswith(ESTAT_SAC) or len(first5) != 5 or not first5.isascii():
        return None
    try:
        return first5 + str(lg_check_digit(first5))
    except ValueError:
        return None


class Agent(Codec):
    """A link to an agent (publisher): the agent itself is described once by `agent_terms`."""

    def __init__(self, field: str, predicate: str, *, source: str, agent_terms: Sequence[Term]):
        self.fields = (field,)
        self.predicate = predicate
        self.source = source
        self.agent_terms = tuple(agent_terms)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        org = getattr(rec, self.source)
        if org is None:
            return
        node = ctx.organization(org.name)
        out.triples.append((s, self.predicate, node))
        describe_agent(org, node, ctx, out, self.agent_terms)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            own = parse_own_uri(str(node)) if isinstance(node, URIRef) else None
            if own is not None and own[0] == "organization":
                return {self.fields[0]: own[1]}
            found = read_all(self.agent_terms, node, scope)
            ref = found.get("code") or scope.text(node, DCT.identifier) or found.get("title")
            if ref:
                # A remote publisher: its name and IRI are kept whichever organisation the
                # harvest files the dataset under (re-published as the publisher attribution).
                out: dict[str, Any] = {self.fields[0]: ref}
                if found.get("title"):
                    out["publisher_name"] = found["title"]
                if isinstance(node, URIRef):
                    out["extras"] = {"publisher_uri": str(node)}
                return out
        return {}


def describe_agent(
    org: Any, node: Iri, ctx: Context, out: Emission, terms: tuple[Term, ...]
) -> None:
    if out.first(("agent", node)):
        out.triples.append((node, RDF.type, Iri(FOAF.Agent)))
        emit_all(terms, org, node, ctx, out)


def root_publisher(ctx: Context, out: Emission, terms: tuple[Term, ...]) -> Iri:
    """The publisher of the root catalogue (also of a measure no ministry leads)."""
    node = ctx.root_publisher
    if ctx.root.publisher is not None:
        describe_agent(ctx.root.publisher, node, ctx, out, terms)
    elif out.first(("agent", node)):
        out.triples.append((node, RDF.type, Iri(FOAF.Agent)))
        out.triples.append((node, FOAF.name, Lit(ctx.root.publisher_name, "ja")))
    return node


class AgentIdentifier(Codec):
    """dct:identifier of an organisation: its local-government code, else its short name."""

    fields = ("code",)
    predicate = DCT.identifier

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        out.triples.append((s, self.predicate, Lit(rec.code or rec.name)))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        value = scope.text(s, self.predicate, None)
        if value and len(value) == 6 and value.isascii() and value.isdigit():
            return {"code": value}
        return {}


class PublisherType(Codec):
    """ADMS publisher type from the organisation kind (national, regional, local authority)."""

    fields = ("kind",)
    predicate = DCT.type

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        code = PUBLISHER_TYPES.get(rec.kind)
        if code is None:
            return
        node = mint(ADMS_PUBLISHER_TYPE, code)
        out.triples.append((s, self.predicate, node))
        if out.typed(node, SKOS.Concept):
            out.triples.append((node, SKOS.prefLabel, Lit(PUBLISHER_TYPE_LABELS[code], "en")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        kinds = {ADMS_PUBLISHER_TYPE + code: kind for kind, code in PUBLISHER_TYPES.items()}
        for value in scope.iris(s, self.predicate):
            if value in kinds:
                return {"kind": kinds[value]}
        return {}


class AreaCode(Codec):
    """dct:spatial to the e-Stat standard area code of a local-government code."""

    def __init__(self, field: str, predicate: str = DCT.spatial):
        self.fields = (field,)
        self.predicate = predicate

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        code = getattr(rec, self.fields[0])
        if code:
            node = sac_uri(code)
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.Location)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for value in scope.iris(s, self.predicate):
            code = code_from_sac(value)
            if code is not None:
                return {self.fields[0]: code}
        return {}


class PlaceName(Codec):
    """Free-text coverage (対象地域) as a dct:Location with a locn:geographicName."""

    def __init__(self, field: str, predicate: str = DCT.spatial):
        self.fields = (field,)
        self.predicate = predicate

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        text = getattr(rec, self.fields[0])
        if text:
            node = mint(s, fragment="spatial")
            out.triples.append((s, self.predicate, node))
            out.typed(node, DCT.Location, shared=False)
            out.triples.append((node, LOCN.geographicName, Lit(text, "ja")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            if isinstance(node, Literal):
                return {self.fields[0]: str(node)}
            if str(node).startswith(ESTAT_SAC):
                continue
            for label in (LOCN.geographicName, SKOS.prefLabel, RDFS.label):
                text = scope.text(node, label)
                if text:
                    return {self.fields[0]: text}
        return {}


class ContactPoint(Codec):
    """vCard contact point from contact name, e-mail and URL."""

    fields = ("contact_name", "contact_email", "contact_url")
    predicate = DCAT.contactPoint

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        name, email, url = rec.contact_name, mailto(rec.contact_email), iri(rec.contact_url)
        if not (name or email or url):
            return
        node = mint(s, fragment="contact")
        out.triples.append((s, self.predicate, node))
        out.typed(node, VCARD.Kind, shared=False)
        if name:
            out.triples.append((node, VCARD.fn, Lit(name, "ja")))
        if email:
            out.triples.append((node, VCARD.hasEmail, email))
        if url:
            out.triples.append((node, VCARD.hasURL, url))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        """vcard:fn (else vcard:organization-name); vcard:hasEmail / vcard:hasURL as IRI,
        literal, or a node with vcard:value. Each is stored as what it is: a mailto: in
        hasURL is the e-mail, a web address in hasEmail is the URL."""
        for node in scope.objects(s, self.predicate):
            found: dict[str, Any] = {}
            name = scope.text(node, VCARD.fn) or scope.text(node, VCARD.organization_name)
            if name:
                found["contact_name"] = name
            for value in _vcard_values(scope, node, VCARD.hasEmail) + _vcard_values(
                scope, node, VCARD.hasURL
            ):
                low = value.lower()
                if low.startswith("mailto:") or ("@" in value and "://" not in value):
                    found.setdefault("contact_email", unmailto(value).strip())
                elif "://" in value:
                    found.setdefault("contact_url", value.strip())
                else:
                    scope.notes.append(f"contact point value {value!r} is neither e-mail nor URL")
            if found:
                return found
        return {}


def _vcard_values(scope: ReadScope, node: Node, predicate: str) -> list[str]:
    out: list[str] = []
    for value in scope.objects(node, predicate):
        if isinstance(value, BNode):
            out += [str(v) for v in scope.objects(value, VCARD.value)]
        else:
            out.append(str(value))
    return out


class PersonAgent(Codec):
    """dct:creator (CKAN author): a foaf:Agent named by the name, else by the e-mail."""

    def __init__(self, name: str, email: str, predicate: str, fragment: str):
        self.fields = (name, email)
        self.predicate = predicate
        self.fragment = fragment

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        name, email = getattr(rec, self.fields[0]), getattr(rec, self.fields[1])
        if name or email:
            node = mint(s, fragment=self.fragment.lstrip("#"))
            out.triples.append((s, self.predicate, node))
            agent(node, name, email, out)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            return read_agent(node, scope, (self.fields[0], self.fields[1]))
        return {}


def agent(node: Iri, name: str, email: str, out: Emission) -> None:
    out.typed(node, FOAF.Agent, shared=False)
    out.triples.append((node, FOAF.name, Lit(name or email, "ja")))
    box = mailto(email)
    if box is not None:
        out.triples.append((node, FOAF.mbox, box))


def read_agent(node: Node, scope: ReadScope, fields: tuple[str, str]) -> dict[str, Any]:
    name = scope.text(node, FOAF.name) or ""
    box = scope.value(node, FOAF.mbox)
    email = unmailto(str(box)) if box is not None else ""
    found: dict[str, Any] = {}
    if name and name != email:
        found[fields[0]] = name
    if email:
        found[fields[1]] = email
    return found


class RoleAttribution(Codec):
    """A party with an ISO 19115 role as a prov:qualifiedAttribution: the CKAN maintainer
    (custodian) and the e-Gov publisher name (publisher; dct:publisher is the organisation)."""

    predicate = PROV.qualifiedAttribution

    def __init__(self, name: str, email: str | None, role: str, fragment: str):
        self.fields = (name, email) if email else (name,)
        self.role = role
        self.fragment = fragment

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        name = getattr(rec, self.fields[0])
        email = getattr(rec, self.fields[1]) if len(self.fields) > 1 else ""
        if not (name or email):
            return
        node = mint(s, fragment=self.fragment.lstrip("#"))
        who = mint(s, fragment=self.fragment.lstrip("#") + "-agent")
        remote = iri((getattr(rec, "extras", None) or {}).get("publisher_uri"))
        if self.role == ROLE_PUBLISHER and remote is not None:
            who = remote
        out.triples.append((s, self.predicate, node))
        out.typed(node, PROV.Attribution, shared=False)
        out.triples.append((node, DCAT.hadRole, Iri(self.role)))
        out.triples.append((node, PROV.agent, who))
        agent(who, name, email, out)

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            if self.role in scope.iris(node, DCAT.hadRole):
                who = scope.value(node, PROV.agent)
                if who is not None:
                    fields = (self.fields[0], self.fields[-1] if len(self.fields) > 1 else "")
                    found = read_agent(who, scope, fields)
                    found.pop("", None)
                    remote = isinstance(who, URIRef) and not str(who).startswith(str(s) + "#")
                    if remote and self.role == ROLE_PUBLISHER:
                        found["extras"] = {"publisher_uri": str(who)}
                    return found
        return {}


# Where a period's ends are written: DCAT-AP 3 (dcat:), DCAT-AP 1.x/2 (schema:), OWL-Time.
PERIOD_ENDS = (
    ("temporal_start", (DCAT.startDate, SCHEMA.startDate), TIME.hasBeginning),
    ("temporal_end", (DCAT.endDate, SCHEMA.endDate), TIME.hasEnd),
)
TIME_VALUES = (
    TIME.inXSDDate, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime, TIME.inXSDgYear,
    TIME.inXSDgYearMonth,
)


class Period(Codec):
    """dct:temporal as a dct:PeriodOfTime with dcat:startDate / dcat:endDate (xsd:date).

    Read from dcat:, schema: and time: (hasBeginning/hasEnd instants) forms. A date with
    another precision (gYear, gYearMonth, dateTime) is stored as the first (start) or last
    (end) day it covers, its lexical form kept in `<field>_as_written`, and written back so.
    """

    fields = ("temporal_start", "temporal_end")
    predicate = DCT.temporal

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        start, end = rec.temporal_start, rec.temporal_end
        if start is None and end is None:
            return
        extras = getattr(rec, "extras", None) or {}
        node = mint(s, fragment="temporal")
        out.triples.append((s, self.predicate, node))
        out.typed(node, DCT.PeriodOfTime, shared=False)
        for value, predicate, key in (
            (start, DCAT.startDate, "temporal_start"),
            (end, DCAT.endDate, "temporal_end"),
        ):
            if value is None:
                continue
            lex = as_written_lex(extras.get(f"{key}_as_written"), value) or date_lex(value)
            out.triples.append((node, predicate, Lit(lex, "", datatype_of(lex))))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        for node in scope.objects(s, self.predicate):
            found: dict[str, Any] = {}
            extras: dict[str, str] = {}
            for key, direct, instant in PERIOD_ENDS:
                values = [v for p in direct for v in scope.objects(node, p)]
                for moment in scope.objects(node, instant):
                    values += [v for p in TIME_VALUES for v in scope.objects(moment, p)]
                written = next((w for w in map(read_written, values) if w is not None), None)
                if written is None:
                    continue
                found[key] = written.start if key == "temporal_start" else written.end
                if written.precision != "date":
                    extras[f"{key}_as_written"] = written.lexical
            if found:
                if extras:
                    found["extras"] = extras
                return found
        return {}


class LicenseLink(Codec):
    """dct:license to a dct:LicenseDocument. With `inherit`, a distribution without a licence
    of its own carries the dataset's (DCAT-AP puts licences on distributions)."""

    def __init__(self, field: str, *, source: str | None = None, inherit: bool = False):
        self.fields = (field,)
        self.predicate = DCT.license
        self.source = source
        self.inherit = inherit

    def _license_id(self, rec: Any, out: Emission) -> str | None:
        if self.source is not None:
            ref = getattr(rec, self.source)
            return ref.id if ref is not None else None
        own: str | None = getattr(rec, self.fields[0])
        if own or not self.inherit or out.dataset is None or out.dataset.license is None:
            return own
        return str(out.dataset.license.id)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        license_id = self._license_id(rec, out)
        node = ctx.license_uri(license_id)
        if license_id is None or node is None:
            # A licence we do not list, kept from the source as an IRI: published again.
            remote = iri((getattr(rec, "extras", None) or {}).get("remote_license"))
            if remote is None and self.inherit and out.dataset is not None:
                remote = iri((out.dataset.extras or {}).get("remote_license"))
            if remote is not None and "://" in remote:
                out.triples.append((s, self.predicate, remote))
                out.typed(remote, DCT.LicenseDocument, shared=False)
            return
        out.triples.append((s, self.predicate, node))
        if out.typed(node, DCT.LicenseDocument):
            lic = ctx.licenses.get(license_id)
            title = lic.title if lic is not None else license_id
            out.triples.append((node, DCT.title, Lit(title, "ja")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        """Our licence id; a licence IRI we do not list is kept as `remote_license` (on a
        dataset through `license_id`, which the harvest keeps as the remote licence)."""
        unknown: str | None = None
        for value in scope.iris(s, self.predicate):
            license_id = license_id_for(value, scope)
            if license_id is None:
                unknown = unknown or value
                continue
            if self.inherit and license_id == scope.dataset_license:
                return {}
            return {self.fields[0]: license_id}
        if unknown is None:
            return {}
        if not self.inherit:
            return {self.fields[0]: unknown}
        if unknown == scope.dataset_remote_license:
            return {}
        return {"extras": {"remote_license": unknown}}


def license_id_for(uri: str, scope: ReadScope) -> str | None:
    if uri in scope.licenses:
        return scope.licenses[uri]
    loose = {_loose(k): v for k, v in scope.licenses.items()}
    if _loose(uri) in loose:
        return loose[_loose(uri)]
    # Our own licence IRIs (…/license/<id>) from another instance, for ids we list.
    tail = uri.rstrip("/").rsplit("/license/", 1)
    if len(tail) == 2 and "/" not in tail[1] and tail[1] in set(scope.licenses.values()):
        return tail[1]
    return None


def _loose(uri: str) -> str:
    return uri.split("://", 1)[-1].rstrip("/").lower()
