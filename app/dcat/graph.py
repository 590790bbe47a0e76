"""The rdflib path: our triples into an rdflib Graph (for RDF/XML and small documents), and a
parsed graph back into records with the same mapping table (`dataset_from_graph`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from app.catalog.schemas import LicenseOut
from app.datasets.schemas import DatasetCreate
from app.dcat.codec import ReadScope, read_all
from app.dcat.kept import consumed, ill_typed, leftovers
from app.dcat.multilingual import dataset_languages
from app.dcat.namespaces import DCAT, DCT, PREFIXES, RDF
from app.dcat.terms import DATASET_TERMS, ORGANIZATION_TERMS, measure_terms
from app.dcat.triples import Iri, LitTuple, Triple
from app.errors import Invalid


def to_node(o: Iri | LitTuple) -> URIRef | Literal:
    if isinstance(o, Iri):
        return URIRef(o)
    lex, lang, datatype = o
    return Literal(lex, lang=lang or None, datatype=URIRef(datatype) if datatype else None)


def new_graph(plan_ns: str | None = None) -> Graph:
    graph = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    if plan_ns:
        graph.bind("plan", plan_ns)
    return graph


def to_graph(triples: Iterable[Triple], graph: Graph | None = None) -> Graph:
    graph = graph if graph is not None else new_graph()
    for s, p, o in triples:
        graph.add((URIRef(s), URIRef(p), to_node(o)))
    return graph


def license_index(licenses: Iterable[LicenseOut]) -> dict[str, str]:
    """Licence URI (and URL) -> licence id, what `dataset_from_graph` needs to map dct:license."""
    index: dict[str, str] = {}
    for lic in licenses:
        for uri in (lic.url, lic.uri):
            if uri:
                index[uri] = lic.id
    return index


def dataset_subjects(graph: Graph) -> list[URIRef]:
    return sorted(
        s for s in graph.subjects(URIRef(RDF.type), URIRef(DCAT.Dataset)) if isinstance(s, URIRef)
    )


def all_dataset_subjects(graph: Graph) -> list[Node]:
    """Every dcat:Dataset: IRIs first (sorted), then blank nodes (sorted by identifier)."""
    found = list(graph.subjects(URIRef(RDF.type), URIRef(DCAT.Dataset)))
    iris = sorted(s for s in found if isinstance(s, URIRef))
    blanks = sorted((s for s in found if not isinstance(s, URIRef)), key=str)
    return [*iris, *blanks]


def dataset_dict_from_graph(
    graph: Graph,
    subject: Node,
    licenses: Mapping[str, str] | None = None,
    scope: ReadScope | None = None,
) -> dict[str, Any]:
    """The DatasetCreate fields found about `subject` (absent fields are left out).

    `licenses` maps licence URIs to our licence ids (see `license_index`); unknown licences
    are left out. Resources carry their id when their URI is shaped like ours. What no row
    reads on the dataset node is kept in extras and named in `scope.notes`.
    """
    scope = scope if scope is not None else ReadScope(graph, licenses or {})
    languages = dataset_languages(ReadScope(graph), subject)
    scope.language = languages[0] if languages else "ja"
    found = read_all(DATASET_TERMS, subject, scope)
    found.pop("id", None)
    what = f"dataset {subject}" if isinstance(subject, URIRef) else "the dataset"
    kept = leftovers(scope, subject, consumed(DATASET_TERMS), what)
    ill_typed(scope, subject, what)
    if kept:
        found["extras"] = {**found.get("extras", {}), **kept}
    resources = found.get("resources") or []
    if "license_id" not in found and resources:
        # DCAT-AP puts licences on distributions only: one shared licence is the dataset's.
        ids = {r.get("license_id") for r in resources}
        remote = {(r.get("extras") or {}).get("remote_license") for r in resources}
        if len(ids) == 1 and None not in ids:
            found["license_id"] = ids.pop()
            for res in resources:
                res.pop("license_id", None)
        elif ids == {None} and len(remote) == 1 and None not in remote:
            found["license_id"] = remote.pop()  # kept as the remote licence by the harvest
            for res in resources:
                res["extras"].pop("remote_license", None)
    return found


def dataset_identifier(graph: Graph, subject: Node) -> str | None:
    """dct:identifier of a dataset (our UUID for our own datasets)."""
    value = graph.value(subject, URIRef(DCT.identifier))
    return str(value).strip() if isinstance(value, Literal) and str(value).strip() else None


def dataset_from_graph(
    graph: Graph, subject: Node, licenses: Mapping[str, str] | None = None
) -> tuple[DatasetCreate, str | None]:
    """A DatasetCreate for the dataset `subject`, and its dct:identifier (like `from_ckan`)."""
    data, identifier, _notes = read_dataset(graph, subject, licenses)
    return data, identifier


def read_dataset(
    graph: Graph, subject: Node, licenses: Mapping[str, str] | None = None
) -> tuple[DatasetCreate, str | None, list[str]]:
    """`dataset_from_graph` with the notes a harvest reports: values not mapped (kept as
    extras), ill-typed literals, texts dropped. Raises Invalid when the record can't be made."""
    scope = ReadScope(graph, licenses or {})
    data = dataset_dict_from_graph(graph, subject, licenses, scope)
    try:
        return DatasetCreate(**data), dataset_identifier(graph, subject), scope.notes
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            fields.setdefault(".".join(str(p) for p in err["loc"]) or "body", []).append(err["msg"])
        raise Invalid("The dataset is not valid: see the message for each field", fields) from exc


def organization_dict_from_graph(graph: Graph, subject: Node) -> dict[str, Any]:
    found = read_all(ORGANIZATION_TERMS, subject, ReadScope(graph))
    found["name"] = str(subject).rstrip("/").rsplit("/", 1)[-1]
    return found


def measure_dict_from_graph(graph: Graph, subject: Node, plan_ns: str) -> dict[str, Any]:
    return read_all(measure_terms(plan_ns), subject, ReadScope(graph))
