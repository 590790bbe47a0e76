"""schema.org `Dataset` JSON-LD for dataset HTML pages (what search engines read)."""

from __future__ import annotations

from typing import Any

import orjson

from app.datasets.schemas import DatasetOut
from app.dcat.context import Context
from app.dcat.nodes import sac_uri
from app.dcat.triples import datetime_lex, iri


def _organization(ds: DatasetOut, ctx: Context) -> dict[str, Any]:
    org = ds.organization
    node: dict[str, Any] = {
        "@type": "GovernmentOrganization",
        "@id": ctx.organization(org.name),
        "name": org.title,
        "identifier": org.code or org.name,
    }
    return node


def dataset_jsonld(ds: DatasetOut, ctx: Context, page_url: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": ctx.dataset(ds.id),
        "name": ds.title,
        "description": ds.notes or ds.title,
        "url": page_url,
        "identifier": ds.id,
        "inLanguage": ds.language or "ja",
        "isAccessibleForFree": True,
        "publisher": _organization(ds, ctx),
        "creator": _organization(ds, ctx),
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": ctx.catalog,
            "name": ctx.root.title,
            "url": ctx.root.homepage or ctx.base + "/",
        },
        "dateCreated": datetime_lex(ds.metadata_created),
        "dateModified": datetime_lex(ds.modified or ds.metadata_modified),
    }
    if ds.tags:
        node["keywords"] = ds.tags
    if ds.license is not None:
        node["license"] = ds.license.uri or ds.license.url or ds.license.title
    if ds.issued is not None:
        node["datePublished"] = datetime_lex(ds.issued)
    if ds.version:
        node["version"] = ds.version
    spatial: dict[str, Any] = {}
    if ds.spatial:
        spatial["name"] = ds.spatial
    if ds.spatial_code:
        spatial["sameAs"] = sac_uri(ds.spatial_code)
    if spatial:
        node["spatialCoverage"] = {"@type": "Place", **spatial}
    if ds.temporal_start or ds.temporal_end:
        start = ds.temporal_start.isoformat() if ds.temporal_start else ".."
        end = ds.temporal_end.isoformat() if ds.temporal_end else ".."
        node["temporalCoverage"] = f"{start}/{end}"
    downloads = []
    for res in ds.resources:
        url = iri(res.download_url) or iri(res.url)
        if url is None:
            continue
        item: dict[str, Any] = {"@type": "DataDownload", "contentUrl": url}
        if res.name:
            item["name"] = res.name
        if res.mimetype or res.format:
            item["encodingFormat"] = res.mimetype or res.format
        if res.size is not None:
            item["contentSize"] = str(res.size)
        downloads.append(item)
    if downloads:
        node["distribution"] = downloads
    return node


def script_tag(data: dict[str, Any]) -> str:
    """The <script> element; `<` is escaped so no text can close the element early."""
    text = orjson.dumps(data).decode().replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'
