"""Running harvest jobs in tests the way `catalog harvest run` does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetOut
from app.db import session_scope
from app.harvest import service
from app.harvest.lease import JobLease
from app.harvest.runner import run_job
from app.harvest.schemas import JobOut, JobReport, SourceConfig, SourceIn
from app.models import Dataset, DatasetActivity
from tests.conftest import Backend


def add_source(
    backend: Backend, name: str, url: str, kind: str = "ckan", org: str = "011002", **config: Any
) -> None:
    cfg = SourceConfig(**{"retries": 0, **config})
    with session_scope(backend.sessions) as session:
        service.create_source(
            session,
            SYSTEM,
            SourceIn(name=name, type=kind, url=url, organization=org, config=cfg),  # type: ignore[arg-type]
        )


def run(backend: Backend, name: str, *, full: bool = False, allowed: str = "127.0.0.1") -> JobOut:
    settings = backend.settings().model_copy(update={"harvest_allowed_hosts": allowed})
    with session_scope(backend.sessions) as session:
        job = service.start_job(session, SYSTEM, name, full=full)
        lease = JobLease(backend.engine, job.id)
    with lease:
        run_job(backend.sessions, settings, job.id)
    with session_scope(backend.sessions) as session:
        return service.get_job(session, job.id)


def report(backend: Backend, job_id: str, status: str | None = None) -> JobReport:
    with session_scope(backend.sessions) as session:
        return service.job_report(session, job_id, SYSTEM, status=status, limit=1000)


def stats(job: JobOut) -> dict[str, int]:
    return {k: v for k, v in job.stats.model_dump().items() if v}


def dataset(backend: Backend, ref: str) -> DatasetOut:
    with session_scope(backend.sessions) as session:
        return datasets.get_dataset(session, SYSTEM, ref)


def count_activities(backend: Backend) -> int:
    with session_scope(backend.sessions) as session:
        return session.scalar(select(func.count()).select_from(DatasetActivity)) or 0


def live_names(backend: Backend) -> set[str]:
    with session_scope(backend.sessions) as session:
        return set(session.scalars(select(Dataset.name).where(Dataset.state == "active")))
