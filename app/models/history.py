"""Dataset history: every create/update/delete/purge, who, when, what changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, JSONType
from app.timeutil import utcnow

# BIGINT on PostgreSQL; INTEGER on SQLite so the column stays the rowid alias (autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class DatasetActivity(Base):
    """Kept after a purge (no foreign key), so history and deletion tombstones survive."""

    __tablename__ = "dataset_activity"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(36), index=True)
    dataset_name: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[str | None] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(36))
    timestamp: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # "new", "changed", "deleted", "purged"
    activity_type: Mapped[str] = mapped_column(String(20))
    # True when the dataset was visible to the public after this change.
    public: Mapped[bool] = mapped_column(default=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    message: Mapped[str] = mapped_column(Text, default="")
