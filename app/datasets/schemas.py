"""Dataset and resource records: what services take in and give out.

`DatasetOut` is the one shape every surface (native API, CKAN API, DCAT, HTML) renders from.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ResourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    url: str = ""
    download_url: str = ""
    name: str = ""
    description: str = ""
    format: str = ""
    mimetype: str = ""
    size: int | None = Field(default=None, ge=0)
    hash: str = ""
    license_id: str | None = None
    language: str = ""
    last_modified: datetime | None = None
    created: datetime | None = None
    extras: dict[str, str] = Field(default_factory=dict)


class ResourcePatch(BaseModel):
    """Only the fields that are set are changed."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    download_url: str | None = None
    name: str | None = None
    description: str | None = None
    format: str | None = None
    mimetype: str | None = None
    size: int | None = Field(default=None, ge=0)
    hash: str | None = None
    license_id: str | None = None
    language: str | None = None
    last_modified: datetime | None = None
    extras: dict[str, str] | None = None


class DatasetFields(BaseModel):
    """The writable dataset fields, shared by create, full update and patch."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    notes: str | None = None
    owner_org: str | None = Field(default=None, description="organisation id or name")
    private: bool | None = None
    state: str | None = Field(default=None, description="active or draft")
    license_id: str | None = None
    url: str | None = None
    version: str | None = None
    author: str | None = None
    author_email: str | None = None
    maintainer: str | None = None
    maintainer_email: str | None = None
    publisher_name: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_url: str | None = None
    frequency: str | None = None
    language: str | None = None
    spatial: str | None = None
    spatial_code: str | None = Field(default=None, description="全国地方公共団体コード (6 digits)")
    temporal_start: date | None = None
    temporal_end: date | None = None
    issued: datetime | None = None
    modified: datetime | None = None
    conforms_to: str | None = None
    standard_kind: str | None = None
    tags: list[str] | None = None
    categories: list[str] | None = None
    measures: list[str] | None = None
    extras: dict[str, str] | None = None
    resources: list[ResourceIn] | None = None


class DatasetCreate(DatasetFields):
    name: str | None = Field(
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
    created: datetime
    last_modified: datetime | None
    metadata_modified: datetime


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
    issued: datetime | None
    modified: datetime | None
    conforms_to: str
    standard_kind: str | None
    extras: dict[str, str]
    origin: str
    harvest_source_id: str | None
    remote_id: str | None
    remote_uri: str | None
    remote_modified: datetime | None
    content_hash: str | None
    local_fields: list[str]
    creator_user_id: str | None
    metadata_created: datetime
    metadata_modified: datetime
    revision: int
    resources: list[ResourceOut]


class DatasetPage(BaseModel):
    total: int
    items: list[DatasetOut]
    next_cursor: str | None = None
