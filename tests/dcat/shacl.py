"""DCAT-AP 3.0.1 validation with pySHACL, per the recipe of shared/standards/dcat-ap/README.md:
shapes.ttl + range.ttl, background-min.ttl as the ontology graph, no inference."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import SH

# ../shared next to the checkout (a worktree may sit one level deeper): the nearest ancestor's.
STANDARDS = next(
    (
        found
        for parent in Path(__file__).resolve().parents
        if (found := parent / "shared" / "standards" / "dcat-ap").is_dir()
    ),
    Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "dcat-ap",
)
SHAPES = STANDARDS / "3.0.1" / "shapes"


@lru_cache(maxsize=1)
def _shapes() -> tuple[Graph, Graph]:
    shapes = Graph()
    shapes.parse(SHAPES / "shapes.ttl", format="turtle")
    shapes.parse(SHAPES / "range.ttl", format="turtle")
    ontology = Graph().parse(STANDARDS / "examples" / "background-min.ttl", format="turtle")
    return shapes, ontology


def violations(data: Graph) -> list[str]:
    """One line per sh:result of severity Violation (empty = conforms)."""
    shapes, ontology = _shapes()
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    assert isinstance(report, Graph)
    found = []
    for result in report.objects(None, SH.result):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        found.append(
            " ".join(
                str(report.value(result, key))
                for key in (SH.focusNode, SH.resultPath, SH.resultMessage)
            )
        )
    return sorted(found)


DATE_PROPERTIES = (
    "http://purl.org/dc/terms/issued",
    "http://purl.org/dc/terms/modified",
    "http://www.w3.org/ns/dcat#startDate",
    "http://www.w3.org/ns/dcat#endDate",
)
# DateOrDateTimeDataType_Shape of shapes.ttl: date, dateTime, gYear or gYearMonth.
DATE_TYPES = (
    "http://www.w3.org/2001/XMLSchema#date",
    "http://www.w3.org/2001/XMLSchema#dateTime",
    "http://www.w3.org/2001/XMLSchema#gYear",
    "http://www.w3.org/2001/XMLSchema#gYearMonth",
)


def _year_form(lit: object) -> bool:
    """rdflib gives gYear/gYearMonth no Python value: check their lexical form instead."""
    import re

    from rdflib import Literal

    assert isinstance(lit, Literal)
    pattern = r"^-?\d{4}$" if str(lit.datatype).endswith("gYear") else r"^-?\d{4}-\d{2}$"
    return re.match(pattern, str(lit)) is not None


def date_violations(data: Graph) -> list[str]:
    """Our own check of date typing (the 3.0.1 shapes use sh:shape, which pySHACL ignores):
    every issued/modified/startDate/endDate is an xsd:date or xsd:dateTime that parses."""
    from rdflib import Literal

    found = []
    for prop in DATE_PROPERTIES:
        for s, o in data.subject_objects(URIRef(prop)):
            ok = (
                isinstance(o, Literal)
                and str(o.datatype) in DATE_TYPES
                and not o.ill_typed
                and (o.value is not None or _year_form(o))
            )
            if not ok:
                found.append(f"{s} {prop} {o!r}")
    return found
