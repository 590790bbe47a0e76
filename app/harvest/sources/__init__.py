"""Source adapters: each turns a remote catalogue into pages of RemoteRecords."""

from __future__ import annotations

from collections.abc import Mapping

from app.harvest.fetch import GuardedClient
from app.harvest.schemas import SourceConfig
from app.harvest.sources.base import Adapter


def adapter_for(
    kind: str,
    url: str,
    config: SourceConfig,
    client: GuardedClient,
    licenses: Mapping[str, str] | None = None,
) -> Adapter:
    """`licenses`: licence URI/URL -> our licence id, for RDF sources."""
    if kind == "ckan":
        from app.harvest.sources.ckan import CkanSource

        return CkanSource(url, config, client)
    if kind == "catalog":
        from app.harvest.sources.catalog import CatalogSource

        return CatalogSource(url, config, client)
    if kind == "dcat":
        from app.harvest.sources.dcat import DcatSource

        return DcatSource(url, config, client, licenses)
    raise ValueError(f"unknown source type {kind!r}")
