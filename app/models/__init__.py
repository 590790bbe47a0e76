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
from app.models.harvest import HarvestJob, HarvestObject, HarvestRecord, HarvestSource
from app.models.history import DatasetActivity
from app.models.measure import Measure, MeasureMinistry, PlanSection, PriorityField
from app.models.organization import Organization
from app.models.readmodel import DatasetRendering
from app.models.reference import Catalog, Category, License
from app.models.search import SearchDoc, SearchGone, SearchSource, SearchState
from app.models.serving import PagingMemo, ServingState
from app.models.websession import WebSession

__all__ = [
    "ApiToken",
    "Base",
    "Catalog",
    "Category",
    "Dataset",
    "DatasetActivity",
    "DatasetRendering",
    "HarvestJob",
    "HarvestObject",
    "HarvestRecord",
    "HarvestSource",
    "License",
    "Measure",
    "MeasureMinistry",
    "Membership",
    "Organization",
    "PagingMemo",
    "PlanSection",
    "PriorityField",
    "Resource",
    "SearchDoc",
    "SearchGone",
    "SearchSource",
    "SearchState",
    "ServingState",
    "Tag",
    "User",
    "WebSession",
    "dataset_category",
    "dataset_measure",
    "dataset_tag",
]
