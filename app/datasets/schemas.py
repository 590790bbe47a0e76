"""Dataset and resource records: what services take in and give out.

`DatasetOut` is the one shape every surface (native API, CKAN API, DCAT, HTML) renders from.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.common.bounds import MAX_JSON_INTEGER
from app.common.text import LIST_MAX, Code, Email, Line, Paragraphs, Ref, Tag, Url
from app.timeutil import Timestamp, UtcDateTime


class ResourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Ref | None = None
    url: Url = ""
    download_url: Url = ""
    name: Line = ""
    description: Paragraphs = ""
    format: Code = ""
    mimetype: Code = ""
    size: int | None = Field(default=None, ge=0, le=MAX_JSON_INTEGER, description="bytes")
    hash: Code = ""
    license_id: Ref | None = None
    language: Ref = ""
    last_modified: UtcDateTime | None = None
    created: UtcDateTime | None = None
    extras: dict[Code, Paragraphs] = Field(default_factory=dict, max_length=LIST_MAX)


class ResourcePatch(BaseModel):
    """Only the fields that are set are changed."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    download_url: Url | None = None
    name: Line | None = None
    description: Paragraphs | None = None
    format: Code | None = None
    mimetype: Code | None = None
    size: int | None = Field(default=None, ge=0, le=MAX_JSON_INTEGER, description="bytes")
    hash: Code | None = None
    license_id: Ref | None = None
    language: Ref | None = None
    last_modified: UtcDateTime | None = None
    extras: dict[Code, Paragraphs] | None = Field(default=None, max_length=LIST_MAX)


class DatasetFields(BaseModel):
    """The writable dataset fields, shared by create, full update and patch."""

    model_config = ConfigDict(extra="forbid")

    title: Line | None = None
    notes: Paragraphs | None = None
    owner_org: Ref | None = Field(default=None, description="organisation id or name")
    private: bool | None = None
    state: Ref | None = Field(default=None, description="active or draft")
    license_id: Ref | None = None
    url: Url | None = None
    version: Line | None = None
    author: Line | None = None
    author_email: Email | None = None
    maintainer: Line | None = None
    maintainer_email: Email | None = None
    publisher_name: Line | None = None
    contact_name: Line | None = None
    contact_email: Email | None = None
    contact_url: Url | None = None
    frequency: Ref | None = None
    language: Ref | None = None
    spatial: Line | None = None
    spatial_code: Ref | None = Field(default=None, description="全国地方公共団体コード (6 digits)")
    temporal_start: date | None = None
    temporal_end: date | None = None
    issued: UtcDateTime | None = None
    modified: UtcDateTime | None = None
    conforms_to: Url | None = None
    standard_kind: Ref | None = None
    tags: list[Tag] | None = Field(default=None, max_length=LIST_MAX)
    categories: list[Ref] | None = Field(default=None, max_length=LIST_MAX)
    measures: list[Ref] | None = Field(default=None, max_length=LIST_MAX)
    extras: dict[Code, Paragraphs] | None = Field(default=None, max_length=LIST_MAX)
    resources: list[ResourceIn] | None = Field(default=None, max_length=LIST_MAX)


class DatasetCreate(DatasetFields):
    name: Ref | None = Field(
        default=None,
        description="[a-z0-9_-]{2,100}; generated as {org}_{YYYYMMDD}_{NNNN} if absent",
    )


class DatasetUpdate(DatasetCreate):
    """A full replace: fields left out are reset to their defaults (resources kept if omitted)."""


class DatasetPatch(DatasetCreate):
    """A partial update: only the fields that are set change."""


class Provenance(BaseModel):
    """Where a harvested dataset comes from; only the harvester passes this to the service."""

    harvest_source_id: str
    remote_id: str | None = None
    remote_uri: str | None = None
    remote_modified: datetime | None = None
    content_hash: str | None = None


class OrganizationRef(BaseModel):
    id: str
    name: str
    title: str
    kind: str
    code: str | None = None
    prefecture: str | None = None


class NamedRef(BaseModel):
    name: str
    title: str


class LicenseRef(BaseModel):
    id: str
    title: str
    url: str
    uri: str
    is_open: bool


class ResourceOut(BaseModel):
    id: str
    dataset_id: str
    position: int
    url: str
    download_url: str
    name: str
    description: str
    format: str
    mimetype: str
    size: int | None
    hash: str
    license_id: str | None
    language: str
    extras: dict[str, str]
    created: Timestamp
    last_modified: Timestamp | None
    metadata_modified: Timestamp


class DatasetOut(BaseModel):
    id: str
    name: str
    title: str
    notes: str
    type: str
    state: str
    private: bool
    url: str
    version: str
    author: str
    author_email: str
    maintainer: str
    maintainer_email: str
    organization: OrganizationRef
    license: LicenseRef | None
    tags: list[str]
    categories: list[NamedRef]
    measures: list[NamedRef]
    publisher_name: str
    contact_name: str
    contact_email: str
    contact_url: str
    frequency: str
    language: str
    spatial: str
    spatial_code: str | None
    temporal_start: date | None
    temporal_end: date | None
    issued: Timestamp | None
    modified: Timestamp | None
    conforms_to: str
    standard_kind: str | None
    extras: dict[str, str]
    origin: str
    harvest_source_id: str | None
    remote_id: str | None
    remote_uri: str | None
    remote_modified: Timestamp | None
    content_hash: str | None
    local_fields: list[str]
    creator_user_id: str | None
    metadata_created: Timestamp
    metadata_modified: Timestamp
    revision: int
    resources: list[ResourceOut]


class DatasetPage(BaseModel):
    total: int
    items: list[DatasetOut]
    next_cursor: str | None = None
