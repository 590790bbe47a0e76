"""Codecs for measures (施策): summary, ministries, priority fields.

A measure is a dcat:Catalog; its plan fields use our vocabulary (`{base}/ns/plan#`, vocab.ttl).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from app.datasets.schemas import OrganizationRef
from app.dcat.codec import Codec, Emission, ReadScope, Term
from app.dcat.context import Context
from app.dcat.iri import mint
from app.dcat.namespaces import DCAT, DCT, PLAN, SKOS
from app.dcat.nodes import describe_agent, root_publisher
from app.dcat.triples import Iri, Lit

LEAD_MARK = "◎"
SEPARATOR = "、"
PARAGRAPH = "\n\n"


class Summary(Codec):
    """The summary paragraphs as one dct:description (separated by a blank line); the title
    when there is none, since DCAT-AP requires a description."""

    fields = ("summary",)
    predicate = DCT.description

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        text = PARAGRAPH.join(rec.summary) or rec.title
        out.triples.append((s, self.predicate, Lit(text, "ja")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        text = scope.text(s, self.predicate)
        if text is None:
            return {}
        if text == scope.text(s, DCT.title):
            return {"summary": []}
        return {"summary": text.split(PARAGRAPH)}


def ministry_agent(organization: str, name: str, ctx: Context) -> OrganizationRef:
    title = ctx.agents.get(organization, name)
    return OrganizationRef(id="", name=organization, title=title, kind="ministry")


class Ministries(Codec):
    """The ministries of a measure: the first lead ministry is the dct:publisher, the others
    dct:contributor; the list as written (◎ = lead) is kept in plan:ministries."""

    fields = ("ministries",)
    predicate = DCT.publisher

    def __init__(self, plan_ns: str, agent_terms: Sequence[Term]):
        self.listing = plan_ns + PLAN.ministry
        self.agent_terms = tuple(agent_terms)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        with_org = [m for m in rec.ministries if m.organization]
        leads = [m for m in with_org if m.lead]
        publisher = leads[0] if leads else (with_org[0] if with_org else None)
        if publisher is None:
            out.triples.append((s, DCT.publisher, root_publisher(ctx, out, self.agent_terms)))
        else:
            node = ctx.organization(publisher.organization)
            out.triples.append((s, DCT.publisher, node))
            agent = ministry_agent(publisher.organization, publisher.name, ctx)
            describe_agent(agent, node, ctx, out, self.agent_terms)
        done = {publisher.organization} if publisher is not None else set()
        for m in with_org:
            if m.organization not in done:
                done.add(m.organization)
                other = ctx.organization(m.organization)
                out.triples.append((s, DCT.contributor, other))
                agent = ministry_agent(m.organization, m.name, ctx)
                describe_agent(agent, other, ctx, out, self.agent_terms)
        if rec.ministries:
            text = SEPARATOR.join((LEAD_MARK if m.lead else "") + m.name for m in rec.ministries)
            out.triples.append((s, self.listing, Lit(text, "ja")))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        text = scope.text(s, self.listing)
        if not text:
            return {}
        return {
            "ministries": [
                {"name": item.removeprefix(LEAD_MARK), "lead": item.startswith(LEAD_MARK)}
                for item in text.split(SEPARATOR)
            ]
        }


class PriorityFields(Codec):
    """The plan's priority fields (重点分野) where the measure appears, as dcat:theme concepts."""

    fields = ("priority_fields",)
    predicate = DCAT.theme

    def __init__(self, plan_ns: str):
        self.prefix = plan_ns + "field-"
        self.scheme = mint(plan_ns + PLAN.priorityFields)

    def emit(self, rec: Any, s: Iri, ctx: Context, out: Emission) -> None:
        for item in rec.priority_fields:
            node = mint(self.prefix, item.id)
            out.triples.append((s, self.predicate, node))
            if out.typed(node, SKOS.Concept):
                out.triples.append((node, SKOS.prefLabel, Lit(item.name, "ja")))
                out.triples.append((node, SKOS.inScheme, self.scheme))

    def read(self, s: Node, scope: ReadScope) -> dict[str, Any]:
        found = []
        for value in scope.iris(s, self.predicate):
            if value.startswith(self.prefix):
                name = scope.text(URIRef(value), SKOS.prefLabel)
                found.append({"id": value[len(self.prefix) :], "name": name or ""})
        return {"priority_fields": found} if found else {}
