"""Another instance of this catalogue, synced through its change feed (/api/v1/changes).

The feed carries every create, update and removal of public datasets in commit order, so each
run reads only what changed since the cursor the last finished job reached, and removals come
as tombstones. Entries carry the dataset record (the native API's DatasetOut as JSON), mapped
back to our input here. The cursor is stored when a job finishes; a job that dies is simply
read again from the previous cursor (imports are idempotent).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from app.datasets.schemas import DatasetCreate, DatasetFields, ResourceIn
from app.harvest.fetch import GuardedClient
from app.harvest.schemas import SourceConfig
from app.harvest.sources.base import LoopGuard, Page, RemoteRecord, RunPlan, SourceError, parse_json
from app.timeutil import parse_when

FEED_PATH = "/api/v1/changes"
# DatasetOut fields that are also writable input fields with the same shape.
SAME_SHAPE = frozenset(DatasetFields.model_fields) - {
    "owner_org",
    "license_id",
    "categories",
    "measures",
    "resources",
}


def input_from_record(record: dict[str, Any]) -> DatasetCreate:
    """A dataset record of the native API (DatasetOut JSON) as input for our service."""
    values: dict[str, Any] = {k: record[k] for k in SAME_SHAPE if record.get(k) is not None}
    values["name"] = record.get("name")
    org = record.get("organization") or {}
    values["owner_org"] = org.get("name") if isinstance(org, dict) else None
    licence = record.get("license") or {}
    values["license_id"] = licence.get("id") if isinstance(licence, dict) else None
    for key in ("categories", "measures"):
        values[key] = [i["name"] for i in record.get(key) or [] if isinstance(i, dict)]
    resource_keys = frozenset(ResourceIn.model_fields)
    values["resources"] = [
        {k: v for k, v in res.items() if k in resource_keys and v is not None}
        for res in record.get("resources") or []
        if isinstance(res, dict)
    ]
    return DatasetCreate(**values)


def _record(entry: dict[str, Any], base: str) -> RemoteRecord:
    dataset_id = str(entry.get("id") or "")
    name = str(entry.get("name") or dataset_id)
    rec = RemoteRecord(
        key=dataset_id,
        remote_id=dataset_id,
        wanted_id=dataset_id or None,
        url=f"{base}/api/v1/datasets/{name}",
        tombstone=entry.get("change") == "delete",
    )
    if not dataset_id:
        rec.key = f"(no id) {name}"
        rec.error = "feed entry without a dataset id"
        return rec
    if rec.tombstone:
        return rec
    snapshot = entry.get("dataset")
    if not isinstance(snapshot, dict):
        rec.error = "feed entry without the dataset record"
        return rec
    org = snapshot.get("organization")
    rec.remote_org = str(org.get("name")) if isinstance(org, dict) and org.get("name") else None
    rec.remote_uri = str(snapshot.get("remote_uri") or "") or None
    try:
        rec.modified = parse_when(str(snapshot.get("metadata_modified") or ""))
    except ValueError:
        rec.modified = None
    try:
        rec.data = input_from_record(snapshot)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        rec.error = f"dataset record not readable: {problems}"
    return rec


class CatalogSource:
    def __init__(self, url: str, config: SourceConfig, client: GuardedClient) -> None:
        base = url.rstrip("/")
        if base.endswith(FEED_PATH):
            base = base[: -len(FEED_PATH)]
        self.base = base
        self.config = config
        self.client = client
        self.complete = False
        self.cursor: str | None = None

    def pages(self, plan: RunPlan) -> Iterator[Page]:
        cursor = plan.cursor or "0"
        guard = LoopGuard("the change feed")
        for _page in range(self.config.max_pages):
            guard.visit(f"cursor {cursor}")
            fetched = self.client.get(
                f"{self.base}{FEED_PATH}", params={"since": cursor, "limit": self.config.rows}
            )
            body = parse_json(fetched)
            if (
                not isinstance(body, dict)
                or not isinstance(body.get("changes"), list)
                or not isinstance(body.get("next_cursor"), str)
            ):
                raise SourceError(f"{fetched.url} is not a change feed page")
            # Within a page only the last entry per dataset matters (order is kept).
            latest: dict[str, dict[str, Any]] = {}
            for entry in body["changes"]:
                if isinstance(entry, dict):
                    key = str(entry.get("id") or "")
                    latest.pop(key, None)
                    latest[key] = entry
            self.cursor = body["next_cursor"]
            yield Page([_record(e, self.base) for e in latest.values()], cursor=self.cursor)
            if not body.get("has_more"):
                break
            cursor = body["next_cursor"]
        else:
            raise SourceError(
                f"more than {self.config.max_pages} pages: stopped (config max_pages)"
            )
        self.complete = False  # removals arrive as tombstones, not by absence

    def lookup(self, keys: list[str]) -> dict[str, RemoteRecord | None]:
        return {}
