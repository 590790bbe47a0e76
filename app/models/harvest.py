"""Harvest sources, their jobs, each job's per-record results, and the identity map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, JSONType, Timestamped, new_uuid
from app.models.history import BigId
from app.timeutil import utcnow

ACTIVE_JOB = text("status IN ('queued', 'running')")


class HarvestSource(Timestamped, Base):
    __tablename__ = "harvest_source"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    # ckan, dcat or catalog (another instance of this product, through its change feed)
    type: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    # 5-field cron expression, evaluated in Japan time (app.harvest.schedule)
    schedule: Mapped[str] = mapped_column(String(100), default="0 3 * * *")
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    creator_user_id: Mapped[str | None] = mapped_column(String(36))


class HarvestJob(Base):
    __tablename__ = "harvest_job"
    __table_args__ = (
        # Never two queued/running jobs for one source, whatever process asks.
        Index(
            "uq_harvest_job_active_source",
            "source_id",
            unique=True,
            sqlite_where=ACTIVE_JOB,
            postgresql_where=ACTIVE_JOB,
        ),
        Index("ix_harvest_job_status_created", "status", "created"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    source_id: Mapped[str] = mapped_column(
        ForeignKey("harvest_source.id", ondelete="CASCADE"), index=True
    )
    # queued, running, finished, failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # manual (API), schedule, cli
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    full: Mapped[bool] = mapped_column(default=False)
    # full, incremental or feed: decided when the job starts
    mode: Mapped[str] = mapped_column(String(20), default="")
    requested_by: Mapped[str | None] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    started: Mapped[datetime | None]
    finished: Mapped[datetime | None]
    heartbeat: Mapped[datetime | None]
    # host:pid of the process running it, to tell a dead job from a live one
    runner: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[datetime | None]
    # newest remote modification time seen (the next incremental run starts there)
    watermark: Mapped[datetime | None]
    # change-feed position reached (catalog sources), committed with each page
    cursor: Mapped[str | None] = mapped_column(Text)
    added: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)
    errored: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class HarvestObject(Base):
    """One record's outcome in one job: added, updated, unchanged, deleted, errored, skipped."""

    __tablename__ = "harvest_object"
    __table_args__ = (Index("ix_harvest_object_job_status", "job_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("harvest_job.id", ondelete="CASCADE"))
    remote_key: Mapped[str] = mapped_column(Text)
    remote_url: Mapped[str] = mapped_column(Text, default="")
    dataset_id: Mapped[str | None] = mapped_column(String(36))
    dataset_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")


class HarvestRecord(Base):
    """Which local dataset a remote record became: identity across runs and sources."""

    __tablename__ = "harvest_record"
    __table_args__ = (UniqueConstraint("source_id", "remote_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    # remote URI, else dct:identifier, else the remote id: unique within the source
    remote_key: Mapped[str] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(Text)
    remote_uri: Mapped[str | None] = mapped_column(Text, index=True)
    identifier: Mapped[str | None] = mapped_column(Text, index=True)
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    remote_modified: Mapped[datetime | None]
    # active, or deleted (withdrawn by the harvester because it vanished from the source)
    status: Mapped[str] = mapped_column(String(20), default="active")
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[datetime] = mapped_column(default=utcnow)
