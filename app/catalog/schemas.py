"""Reference records: categories and licences."""

from __future__ import annotations

from pydantic import BaseModel


class CategoryOut(BaseModel):
    name: str
    title: str
    title_en: str
    position: int
    dataset_count: int = 0


class LicenseOut(BaseModel):
    id: str
    title: str
    title_en: str
    url: str
    uri: str
    is_open: bool
    legacy: bool
    od_conformance: str
