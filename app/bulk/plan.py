"""What a preview returns and a save reports (pydantic: stored as JSON between the two)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

Outcome = Literal["new", "update", "unchanged", "error"]


class IssueOut(BaseModel):
    row: int
    column: str  # the header as written in the file (or the official name)
    msgid: str
    params: dict[str, str] = {}
    level: str = "error"


class RowOut(BaseModel):
    row: int
    title: str
    outcome: Outcome
    dataset: int  # index into UploadPlan.datasets


class PlannedDataset(BaseModel):
    key: str
    title: str
    organization_id: str
    rows: list[int]
    outcome: Outcome
    changes: list[str] = []
    dataset_id: str | None = None
    dataset_name: str | None = None
    revision: int | None = None
    values: dict[str, Any] = {}  # DatasetCreate as JSON, references placed


class UploadPlan(BaseModel):
    encoding: str
    organization_id: str
    organization_name: str
    organization_title: str
    rows: list[RowOut]
    datasets: list[PlannedDataset]
    issues: list[IssueOut]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)


class ApplyResult(BaseModel):
    created: list[tuple[str, str]] = []  # (name, title)
    updated: list[tuple[str, str]] = []
    unchanged: int = 0
    stale: list[tuple[str, list[int]]] = []  # (title, rows)
    skipped_rows: list[int] = []


ProgressFn = Callable[[int, int], None]
