"""What the mapping needs besides the records: the base URI, licences, the root catalogue.

Built by the service layer from the database and settings; the DCAT package itself reads
neither. URIs are stable: datasets by id (a rename keeps the URI), the rest by their names; all
made by `app.dcat.iri.mint`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.catalog.schemas import LicenseOut
from app.datasets.schemas import OrganizationRef
from app.dcat.iri import Iri, iri, mint
from app.dcat.namespaces import PLAN


@dataclass(frozen=True)
class RootCatalog:
    """The root dcat:Catalog record (the `catalog` table row)."""

    title: str = "日本オープンデータカタログ"
    title_en: str = ""
    description: str = ""
    publisher_name: str = "デジタル庁"
    # The organisation of ours that publishes the catalogue, if there is one by that name.
    publisher: OrganizationRef | None = None
    homepage: str = ""
    language: str = "ja"


@dataclass(frozen=True)
class Context:
    base: str
    licenses: Mapping[str, LicenseOut] = field(default_factory=dict)
    root: RootCatalog = field(default_factory=RootCatalog)
    # Ministry short name -> title, for measure publishers and contributors.
    agents: Mapping[str, str] = field(default_factory=dict)

    # IRIs of the bounded sets (organisations, measures, categories, licences), made once: the
    # export asks for them for every dataset, and a reused str keeps its cached hash.
    _iris: dict[tuple[str, str], Iri] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    def _cached(self, kind: str, key: str) -> Iri:
        found = self._iris.get((kind, key))
        if found is None:
            found = self._iris[(kind, key)] = mint(f"{self.base}/{kind}/", key)
        return found

    # Stable URIs -----------------------------------------------------------------------
    def dataset(self, dataset_id: str) -> Iri:
        return mint(f"{self.base}/dataset/", dataset_id)

    def distribution(self, dataset_id: str, resource_id: str) -> Iri:
        return mint(f"{self.dataset(dataset_id)}/resource/", resource_id)

    def organization(self, name: str) -> Iri:
        return self._cached("organization", name)

    def measure(self, measure_id: str) -> Iri:
        return self._cached("measure", measure_id)

    def category(self, name: str) -> Iri:
        return self._cached("category", name)

    @property
    def category_scheme(self) -> Iri:
        return mint(f"{self.base}/category")

    @property
    def catalog(self) -> Iri:
        return mint(f"{self.base}/catalog")

    @property
    def root_publisher(self) -> Iri:
        if self.root.publisher is not None:
            return self.organization(self.root.publisher.name)
        return mint(f"{self.base}/catalog", fragment="publisher")

    @property
    def plan_ns(self) -> str:
        return f"{self.base}{PLAN.path}"

    def license_uri(self, license_id: str | None) -> Iri | None:
        if not license_id:
            return None
        found = self._iris.get(("license", license_id))
        if found is None:
            lic = self.licenses.get(license_id)
            uri = (lic.uri or lic.url) if lic is not None else ""
            found = iri(uri) or mint(f"{self.base}/license/", license_id)
            self._iris[("license", license_id)] = found
        return found


# Our own URIs, recognised whatever the base of the instance that published them.
_OWN = re.compile(
    r"/(?P<kind>dataset|organization|measure|category)/(?P<key>[^/#?]+)"
    r"(?:/resource/(?P<rid>[^/#?]+))?$"
)


def parse_own_uri(uri: str) -> tuple[str, str, str | None] | None:
    """(kind, key, resource id) for a URI shaped like ours, e.g. …/measure/02-22."""
    match = _OWN.search(uri)
    if match is None:
        return None
    return match["kind"], match["key"], match["rid"]
