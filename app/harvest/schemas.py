"""Harvest sources, jobs and reports: what the service takes in and gives out."""

from __future__ import annotations

from typing import Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.common.bounds import MAX_INTEGER
from app.common.text import LIST_MAX, Line, Ref, Tag, Url
from app.timeutil import Timestamp

SourceType = Literal["ckan", "dcat", "catalog"]
JOB_STATUSES = ("queued", "running", "finished", "failed")
RECORD_STATUSES = ("added", "updated", "unchanged", "deleted", "errored", "skipped")


class SourceConfig(BaseModel):
    """Per-source settings; unknown keys are refused so a typo cannot be silently ignored."""

    model_config = ConfigDict(extra="forbid")

    # CKAN filters (organisation / group names on the remote portal)
    organizations: list[Ref] = Field(default_factory=list, max_length=LIST_MAX)
    organizations_exclude: list[Ref] = Field(default_factory=list, max_length=LIST_MAX)
    groups: list[Ref] = Field(default_factory=list, max_length=LIST_MAX)
    groups_exclude: list[Ref] = Field(default_factory=list, max_length=LIST_MAX)
    rows: int = Field(default=100, ge=1, le=1000, description="records per page requested")
    # Defaults given to every harvested dataset
    default_tags: list[Tag] = Field(default_factory=list, max_length=LIST_MAX)
    default_categories: list[Ref] = Field(default_factory=list, max_length=LIST_MAX)
    default_license: Ref | None = None
    remote_organizations: bool | None = Field(
        default=None,
        description="use the remote organisation when one of that name exists here "
        "(default: yes for catalog sources, no otherwise: the source's organisation)",
    )
    outside_organizations: Literal["fallback", "refuse"] = Field(
        default="fallback",
        description="a remote organisation the source's owner may not write to: use the "
        "source's organisation (fallback) or refuse the record (refuse); reported either way",
    )
    # Deletion
    delete_policy: Literal["withdraw", "keep"] = "withdraw"
    delete_threshold: float = Field(
        default=20, ge=0, le=100, description="percent of the source that may vanish in one run"
    )
    # Incremental runs (CKAN): by metadata_modified; a full run (which also detects
    # deletions) every `full_every_days` days, or when asked.
    incremental: bool = True
    full_every_days: int = Field(default=7, ge=0, le=3650)
    incremental_overlap_minutes: int = Field(default=60, ge=0, le=525_600)
    # Time zones of naive date-times in remote records (IANA names). CKAN writes naive UTC;
    # e-Gov's resource created/last_modified are Japan time: resource_timezone Asia/Tokyo.
    timezone: Ref = Field(default="UTC", description="zone of naive dataset times")
    resource_timezone: Ref | None = Field(
        default=None, description="zone of naive resource times (default: timezone)"
    )
    # Incremental CKAN runs also list the remote ids (package_list) to detect deletions.
    detect_deletions: bool = True
    # DCAT: force a parser instead of trusting Content-Type (turtle, xml, json-ld, nt)
    format: Ref | None = None
    # Network limits
    timeout: float = Field(default=30, gt=0, le=600, description="seconds per read")
    max_page_mb: int = Field(default=64, ge=1, le=1024)
    retries: int = Field(default=1, ge=0, le=5)
    max_pages: int = Field(default=100_000, ge=1, le=MAX_INTEGER)

    @field_validator("timezone", "resource_timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _zones():
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Asia/Tokyo")
        return value


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


_ZONES: set[str] | None = None


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Ref = Field(description="[a-z0-9_-]{2,100}")
    title: Line = ""
    type: SourceType
    url: Url
    organization: Ref = Field(description="owner organisation (name or id)")
    schedule: Ref = Field(default="0 3 * * *", description="cron, Japan time; default nightly")
    config: SourceConfig = Field(default_factory=SourceConfig)
    active: bool = True


class SourcePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Line | None = None
    url: Url | None = None
    organization: Ref | None = None
    schedule: Ref | None = None
    config: SourceConfig | None = None
    active: bool | None = None


class JobStats(BaseModel):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errored: int = 0
    skipped: int = 0


class JobOut(BaseModel):
    id: str
    source: str
    status: str
    trigger: str
    mode: str
    full: bool
    created: Timestamp
    started: Timestamp | None
    finished: Timestamp | None
    stats: JobStats
    message: str

    @property
    def warnings(self) -> bool:
        return self.status == "finished" and bool(self.message or self.stats.errored)


class SourceOut(BaseModel):
    id: str
    name: str
    title: str
    type: str
    url: str
    organization: str
    schedule: str
    config: SourceConfig
    active: bool
    next_run_at: Timestamp | None
    created: Timestamp
    modified: Timestamp
    last_job: JobOut | None = None


class RecordOut(BaseModel):
    remote_key: str
    remote_url: str | None = Field(description="null when the dataset is not readable")
    dataset_id: str | None
    dataset_name: str | None
    status: str
    message: str


class JobReport(BaseModel):
    job: JobOut
    total: int = Field(description="records matching the status filter")
    records: list[RecordOut]
