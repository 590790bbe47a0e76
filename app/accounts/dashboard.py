""" "My page" (/dashboard): the signed-in user's organisations, their datasets in every state
but deleted (drafts and private ones included), and the recent harvest jobs of those
organisations. Read-only; what it lists follows the visibility rule (members of the owning
organisation see its private and draft datasets: app.accounts.visibility)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.actor import ROLE_RANK, Actor
from app.accounts.permissions import require_authenticated
from app.accounts.visibility import listed_clause
from app.models import Dataset, HarvestJob, HarvestSource, Organization

DATASETS_SHOWN = 50
JOBS_SHOWN = 20


@dataclass(frozen=True)
class MyOrganization:
    name: str
    title: str
    title_en: str
    role: str  # member | editor | admin


@dataclass(frozen=True)
class MyDataset:
    name: str
    title: str
    organization: str  # organisation title
    state: str  # active | draft
    private: bool
    modified: datetime


@dataclass(frozen=True)
class MyJob:
    id: str
    source_name: str
    source_title: str
    status: str
    created: datetime
    finished: datetime | None
    added: int
    updated: int
    errored: int


@dataclass(frozen=True)
class Dashboard:
    organizations: list[MyOrganization]
    datasets: list[MyDataset]
    dataset_total: int
    jobs: list[MyJob]


def dashboard(session: Session, actor: Actor) -> Dashboard:
    """The dashboard of `actor` (401 when anonymous). Lists are newest first, capped at
    `DATASETS_SHOWN` datasets and `JOBS_SHOWN` jobs."""
    require_authenticated(actor)
    org_ids = sorted(actor.roles)
    orgs = list(session.scalars(select(Organization).where(Organization.id.in_(org_ids))))
    my_orgs = sorted(
        (MyOrganization(o.name, o.title, o.title_en, actor.roles[o.id]) for o in orgs),
        key=lambda o: (-ROLE_RANK[o.role], o.name),
    )
    titles = {o.id: o.title for o in orgs}
    mine = Dataset.owner_org.in_(org_ids)
    visible = listed_clause(actor, Dataset)
    rows = session.scalars(
        select(Dataset)
        .where(mine, visible)
        .order_by(Dataset.metadata_modified.desc())
        .limit(DATASETS_SHOWN)
    )
    datasets = [
        MyDataset(
            d.name, d.title, titles.get(d.owner_org, ""), d.state, d.private, d.metadata_modified
        )
        for d in rows
    ]
    total = session.scalar(select(func.count()).select_from(Dataset).where(mine, visible)) or 0
    job_rows = session.execute(
        select(HarvestJob, HarvestSource.name, HarvestSource.title)
        .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
        .where(HarvestSource.organization_id.in_(org_ids))
        .order_by(HarvestJob.created.desc())
        .limit(JOBS_SHOWN)
    )
    jobs = [
        MyJob(j.id, name, title, j.status, j.created, j.finished, j.added, j.updated, j.errored)
        for j, name, title in job_rows
    ]
    return Dashboard(my_orgs, datasets, int(total), jobs)
