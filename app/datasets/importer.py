"""Import CKAN package dicts: create new datasets, replace existing ones (matched by id or name)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.datasets import repository as repo
from app.datasets import service
from app.datasets.ckan_input import from_ckan
from app.datasets.schemas import DatasetOut, DatasetUpdate


def import_package(session: Session, actor: Actor, pkg: dict[str, Any]) -> tuple[str, DatasetOut]:
    """("created" | "updated", dataset) for one package dict."""
    data, wanted_id = from_ckan(pkg)
    existing = repo.get(session, wanted_id) if wanted_id else None
    if existing is None and data.name:
        existing = repo.get(session, data.name)
    if existing is None:
        return "created", service.create_dataset(session, actor, data, dataset_id=wanted_id)
    update = DatasetUpdate(**data.model_dump(exclude_unset=True))
    return "updated", service.update_dataset(session, actor, existing.id, update, mode="replace")
