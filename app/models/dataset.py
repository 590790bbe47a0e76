"""Datasets (CKAN packages, dcat:Dataset), their resources (dcat:Distribution) and tags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, JSONType, new_uuid
from app.models.measure import Measure
from app.models.organization import Organization
from app.models.reference import Category, License
from app.timeutil import utcnow

dataset_tag = Table(
    "dataset_tag",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

dataset_category = Table(
    "dataset_category",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "category_name",
        ForeignKey("category.name", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

dataset_measure = Table(
    "dataset_measure",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Dataset(Base):
    __tablename__ = "dataset"
    __table_args__ = (
        Index("ix_dataset_state_private_modified", "state", "private", "metadata_modified"),
        # Catalogue pages list visible datasets in id order (migration 0012_catalogpages).
        Index("ix_dataset_state_private_id", "state", "private", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(30), default="dataset")
    state: Mapped[str] = mapped_column(String(20), default="active")
    private: Mapped[bool] = mapped_column(default=False)
    owner_org: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    license_id: Mapped[str | None] = mapped_column(ForeignKey("license.id"))
    url: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str] = mapped_column(String(100), default="")
    author: Mapped[str] = mapped_column(Text, default="")
    author_email: Mapped[str] = mapped_column(Text, default="")
    maintainer: Mapped[str] = mapped_column(Text, default="")
    maintainer_email: Mapped[str] = mapped_column(Text, default="")

    # DCAT-AP / e-Gov fields.
    publisher_name: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(Text, default="")
    contact_url: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(10), default="ja")
    spatial: Mapped[str] = mapped_column(Text, default="")
    spatial_code: Mapped[str | None] = mapped_column(String(6))
    temporal_start: Mapped[date | None]
    temporal_end: Mapped[date | None]
    issued: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    conforms_to: Mapped[str] = mapped_column(Text, default="")
    standard_kind: Mapped[str | None] = mapped_column(String(40), index=True)
    extras: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)

    # Provenance: local, or harvested (source, remote identity, remote modified, content hash).
    origin: Mapped[str] = mapped_column(String(10), default="local")
    harvest_source_id: Mapped[str | None] = mapped_column(String(36), index=True)
    remote_id: Mapped[str | None] = mapped_column(Text)
    remote_uri: Mapped[str | None] = mapped_column(Text)
    remote_modified: Mapped[datetime | None]
    content_hash: Mapped[str | None] = mapped_column(String(64))
    local_fields: Mapped[list[str]] = mapped_column(JSONType, default=list)

    creator_user_id: Mapped[str | None] = mapped_column(String(36))
    metadata_created: Mapped[datetime] = mapped_column(default=utcnow)
    metadata_modified: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    deleted_at: Mapped[datetime | None]
    # Bumped on every write; the native API's ETag / If-Match check compares it.
    revision: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship(lazy="raise")
    license: Mapped[License | None] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=dataset_tag, lazy="raise", order_by=Tag.name)
    categories: Mapped[list[Category]] = relationship(
        secondary=dataset_category, lazy="raise", order_by=Category.position
    )
    measures: Mapped[list[Measure]] = relationship(
        secondary=dataset_measure, lazy="raise", order_by=Measure.id
    )
    resources: Mapped[list[Resource]] = relationship(
        lazy="raise",
        order_by="Resource.position",
        cascade="all, delete-orphan",
        back_populates="dataset",
    )


class Resource(Base):
    __tablename__ = "resource"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(Text, default="")
    download_url: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(100), default="")
    mimetype: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None]
    hash: Mapped[str] = mapped_column(Text, default="")
    license_id: Mapped[str | None] = mapped_column(ForeignKey("license.id"))
    language: Mapped[str] = mapped_column(String(10), default="")
    extras: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_modified: Mapped[datetime | None]
    metadata_modified: Mapped[datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship(lazy="raise", back_populates="resources")
