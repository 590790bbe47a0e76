"""Datasets for the Linked Data tests, created through the dataset service."""

from __future__ import annotations

from typing import Any

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.schemas import DatasetCreate, DatasetOut, ResourceIn
from app.db import session_scope
from tests.conftest import Backend

# What survives the service's cleaning (HTML is stripped on input) and is hard to escape.
NASTY = 'say "hi" \\ back\nnew line\ttab {x} `y` 日本語 😀'


def full_input(name: str = "sapporo-aed", **overrides: Any) -> DatasetCreate:
    """Every field a user can fill, with text that tests escaping."""
    data: dict[str, Any] = {
        "name": name,
        "title": "札幌市AED設置箇所一覧",
        "notes": "札幌市内のAED設置箇所。" + NASTY,
        "owner_org": "011002",
        "license_id": "cc-by-4.0",
        "url": "https://www.city.sapporo.jp/opendata/aed.html",
        "version": "2024.1",
        "author": "札幌市 保健福祉局",
        "author_email": "hoken@city.sapporo.jp",
        "maintainer": "札幌市 ICT推進課",
        "maintainer_email": "ict@city.sapporo.jp",
        "publisher_name": "札幌市",
        "contact_name": "ICT推進課",
        "contact_email": "opendata@city.sapporo.jp",
        "contact_url": "https://www.city.sapporo.jp/contact",
        "frequency": "MONTHLY",
        "language": "ja",
        "spatial": "北海道札幌市",
        "spatial_code": "011002",
        "temporal_start": "2020-04-01",
        "temporal_end": "2024-03-31",
        "issued": "2020-04-01T00:00:00Z",
        "modified": "2024-04-01T09:30:15+09:00",
        "conforms_to": "https://example.org/spec/aed",
        "standard_kind": "aed",
        "tags": ["AED", "救急", "防災"],
        "categories": ["social-security-health"],
        "measures": ["02-22"],
        "resources": [
            ResourceIn(
                url="https://www.city.sapporo.jp/opendata/aed.csv",
                download_url="https://www.city.sapporo.jp/opendata/aed.csv",
                name="AED一覧 CSV",
                description="全件",
                format="CSV",
                mimetype="text/csv",
                size=2048,
                hash="9e107d9d372bb6826bd81d3542a419d6",
                license_id="pdl-1.0",
                language="ja",
            ),
            ResourceIn(url="https://www.city.sapporo.jp/opendata/aed.geojson", format="GeoJSON"),
        ],
    }
    data.update(overrides)
    return DatasetCreate(**data)


def minimal_input(name: str, owner_org: str = "soumu", **overrides: Any) -> DatasetCreate:
    return DatasetCreate(name=name, title=f"データセット {name}", owner_org=owner_org, **overrides)


def make(backend: Backend, data: DatasetCreate) -> DatasetOut:
    with session_scope(backend.sessions) as session:
        return dataset_service.create_dataset(session, SYSTEM, data)


def delete(backend: Backend, ref: str) -> None:
    with session_scope(backend.sessions) as session:
        dataset_service.delete_dataset(session, SYSTEM, ref)
