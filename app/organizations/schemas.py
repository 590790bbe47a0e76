"""Organisation records for the API."""

from __future__ import annotations

from pydantic import BaseModel


class OrganizationOut(BaseModel):
    id: str
    name: str
    title: str
    title_en: str
    description: str
    kind: str
    code: str | None
    prefecture: str | None
    prefecture_code: str | None
    kana: str
    homepage: str
    spatial_uri: str | None
    dataset_count: int | None = None


class OrganizationPage(BaseModel):
    total: int
    items: list[OrganizationOut]
