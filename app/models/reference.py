"""Reference data loaded from the seed: the root catalogue, categories, licences."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class Catalog(Timestamped, Base):
    """The root dcat:Catalog; one row (id 1)."""

    __tablename__ = "catalog"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    publisher_name: Mapped[str] = mapped_column(Text, default="")
    homepage: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="ja")


class Category(Base):
    """One of the 17 e-Gov data categories (a CKAN group, a SKOS concept for dcat:theme)."""

    __tablename__ = "category"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class License(Base):
    __tablename__ = "license"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str] = mapped_column(Text, default="")
    is_open: Mapped[bool] = mapped_column(default=True)
    legacy: Mapped[bool] = mapped_column(default=False)
    od_conformance: Mapped[str] = mapped_column(String(40), default="not reviewed")
    position: Mapped[int] = mapped_column(default=0)
