"""The queries of the bulk upload: an organisation's datasets by list identity, and loading
the matched ones in batches (a 10,000-row re-upload matches 5,000 datasets)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.datasets.repository import FULL_LOAD
from app.models import Dataset

BATCH = 500  # ids per IN (...) query: well under SQLite's and PostgreSQL's parameter limits


def identities(session: Session, org_id: str) -> dict[str, tuple[str, int]]:
    """key -> (dataset id, revision) for the organisation's datasets that are not deleted; key:
    the extra `identifier` (データセット_ID), else "title:" + title."""
    found: dict[str, tuple[str, int]] = {}
    stmt = select(Dataset.id, Dataset.title, Dataset.extras, Dataset.revision).where(
        Dataset.owner_org == org_id, Dataset.state != "deleted"
    )
    for ds_id, title, extras, revision in session.execute(stmt):
        ident = (extras or {}).get("identifier")
        found.setdefault(ident if ident else f"title:{title}", (ds_id, revision))
    return found


def load_many(session: Session, ids: Iterable[str]) -> dict[str, Dataset]:
    """The datasets with everything DatasetOut needs, by id, in batches of BATCH."""
    wanted = list(dict.fromkeys(ids))
    loaded: dict[str, Dataset] = {}
    for start in range(0, len(wanted), BATCH):
        stmt = (
            select(Dataset).options(*FULL_LOAD).where(Dataset.id.in_(wanted[start : start + BATCH]))
        )
        for ds in session.scalars(stmt).unique():
            loaded[ds.id] = ds
    return loaded
