"""All ORM models, imported here so Alembic and the app see one metadata."""

from app.models.account import ApiToken, Membership, User
from app.models.base import Base
from app.models.dataset import (
    Dataset,
    Resource,
    Tag,
    dataset_category,
    dataset_measure,
    dataset_tag,
)
from app.models.history import DatasetActivity
from app.models.measure import Measure, MeasureMinistry, PlanSection, PriorityField
from app.models.organization import Organization
from app.models.reference import Catalog, Category, License

__all__ = [
    "ApiToken",
    "Base",
    "Catalog",
    "Category",
    "Dataset",
    "DatasetActivity",
    "License",
    "Measure",
    "MeasureMinistry",
    "Membership",
    "Organization",
    "PlanSection",
    "PriorityField",
    "Resource",
    "Tag",
    "User",
    "dataset_category",
    "dataset_measure",
    "dataset_tag",
]
