"""What every source adapter yields, and how it fails."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import orjson

from app.datasets.schemas import DatasetCreate
from app.harvest.fetch import Fetched

Mode = Literal["full", "incremental", "feed"]


class SourceError(Exception):
    """The source as a whole is broken (bad JSON/RDF, paging loop...): the job fails."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RemoteRecord:
    # Identity within the source: remote URI, else dct:identifier, else the remote id.
    key: str
    data: DatasetCreate | None = None
    wanted_id: str | None = None
    remote_id: str | None = None
    remote_uri: str | None = None
    identifier: str | None = None
    remote_org: str | None = None
    # Other names of the remote organisation (title, id) the reference resolver may know.
    remote_org_refs: list[str] = field(default_factory=list)
    modified: datetime | None = None
    url: str = ""
    error: str | None = None
    # What the adapter repaired, dropped or kept as extras: added to the record's message.
    notes: list[str] = field(default_factory=list)
    # The source says it is gone (change-feed tombstone).
    tombstone: bool = False


@dataclass
class Page:
    records: list[RemoteRecord]
    cursor: str | None = None


@dataclass
class RunPlan:
    mode: Mode
    since: datetime | None = None
    cursor: str | None = None


class Adapter(Protocol):
    # Set by pages() once it has seen every record of the source: absence means deletion.
    complete: bool
    cursor: str | None

    def pages(self, plan: RunPlan) -> Iterator[Page]: ...

    def lookup(self, keys: list[str]) -> dict[str, RemoteRecord | None]:
        """Re-check records that seem gone: key -> record, or None if really gone.
        Keys left out could not be checked individually (absence from a full run counts)."""
        ...


@dataclass
class LoopGuard:
    """Detects paging that revisits a page (A -> B -> A) or stays put (B -> B)."""

    what: str
    visited: set[str] = field(default_factory=set)

    def visit(self, position: str) -> None:
        if position in self.visited:
            raise SourceError(
                f"paging loop in {self.what}: {position} was already visited in this run; "
                "the source's paging is broken, nothing after it was read"
            )
        self.visited.add(position)


def parse_json(fetched: Fetched) -> Any:
    try:
        return orjson.loads(fetched.content)
    except orjson.JSONDecodeError as exc:
        start = fetched.content[:80].decode("utf-8", "replace")
        raise SourceError(
            f"invalid JSON from {fetched.url}: {exc} (starts with {start!r})"
        ) from exc
