"""Measure (施策) records for the API."""

from __future__ import annotations

from pydantic import BaseModel


class MinistryOut(BaseModel):
    name: str
    lead: bool
    organization: str | None
    units: list[dict[str, object]]
    and_others: bool


class SectionOut(BaseModel):
    number: int
    title: str
    article: str | None


class PriorityFieldOut(BaseModel):
    id: str
    name: str


class DatasetSummary(BaseModel):
    id: str
    name: str
    title: str
    organization: str


class MeasureOut(BaseModel):
    id: str
    title: str
    in_main_text: bool
    kpi_progress: str | None
    kpi_effect: str | None
    summary: list[str]
    section: int
    section_title: str
    article: str | None
    ministries: list[MinistryOut]
    priority_fields: list[PriorityFieldOut]
    dataset_count: int


class MeasureDetail(MeasureOut):
    datasets: list[DatasetSummary]


class MeasurePage(BaseModel):
    total: int
    items: list[MeasureOut]
