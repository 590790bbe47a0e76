"""The plan: sections (articles of the basic law), priority fields, measures (施策)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, JSONType, Timestamped


class PlanSection(Base):
    __tablename__ = "plan_section"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    prefix: Mapped[str] = mapped_column(String(2), unique=True)
    title: Mapped[str] = mapped_column(Text)
    article: Mapped[str | None] = mapped_column(Text)
    main_text_heading: Mapped[str] = mapped_column(Text, default="")


class PriorityField(Base):
    """重点分野: one of the eight priority fields of the plan."""

    __tablename__ = "priority_field"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)


measure_priority_field = Table(
    "measure_priority_field",
    Base.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("priority_field.id", ondelete="CASCADE"), primary_key=True),
)


class Measure(Timestamped, Base):
    __tablename__ = "measure"

    id: Mapped[str] = mapped_column(String(5), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    in_main_text: Mapped[bool] = mapped_column(default=False)
    kpi_progress: Mapped[str | None] = mapped_column(Text)
    kpi_effect: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[list[str]] = mapped_column(JSONType, default=list)
    section_number: Mapped[int] = mapped_column(ForeignKey("plan_section.number"), index=True)

    section: Mapped[PlanSection] = relationship(lazy="raise")
    ministries: Mapped[list[MeasureMinistry]] = relationship(
        lazy="raise",
        order_by="MeasureMinistry.position",
        cascade="all, delete-orphan",
    )
    priority_fields: Mapped[list[PriorityField]] = relationship(
        secondary=measure_priority_field, lazy="raise", order_by="PriorityField.position"
    )


class MeasureMinistry(Base):
    """A ministry as written in the table, in order, with the lead (◎) flag."""

    __tablename__ = "measure_ministry"

    measure_id: Mapped[str] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    lead: Mapped[bool] = mapped_column(default=False)
    # Null for 関係府省庁 / 全府省庁, which are not organisations.
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    units: Mapped[list[dict[str, object]]] = mapped_column(JSONType, default=list)
    and_others: Mapped[bool] = mapped_column(default=False)
