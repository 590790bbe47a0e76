"""Publishers: ministries (府省庁) and local governments (都道府県・市区町村)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, new_uuid

KINDS = ("ministry", "prefecture", "municipality", "other")


class Organization(Timestamped, Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    # CKAN name: the short name of a ministry, the 6-digit code of a local government.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str | None] = mapped_column(String(6), unique=True)
    prefecture: Mapped[str | None] = mapped_column(String(10), index=True)
    prefecture_code: Mapped[str | None] = mapped_column(String(2))
    kana: Mapped[str] = mapped_column(Text, default="")
    homepage: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="active")
