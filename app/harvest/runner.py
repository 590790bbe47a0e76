"""Run one harvest job: gather -> fetch -> import page by page, then deletions, then finish.

Each page is imported and committed in its own transaction together with the job's counters,
so memory stays bounded (one page at a time; the ids seen are the only thing kept), a crash
loses at most one page, and a re-run picks up idempotently. A broken source fails the job with
its message; nothing already imported is rolled back and nothing is deleted. A job that loses
its database fails with that reason (or, if even that cannot be written, `JobInterrupted`
tells the worker to write it once the database is back); one whose lease was taken over
stops without writing anything more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.datasets import service as datasets
from app.errors import AppError
from app.faults.classify import transient
from app.faults.loops import Backoff
from app.harvest import repository as repo
from app.harvest.authority import writable_organizations
from app.harvest.fetch import FetchError, FetchLimits, GuardedClient
from app.harvest.importer import HARVESTER, Context, checkpoint, import_page
from app.harvest.lease import JobLease, LeaseLost
from app.harvest.schemas import JobStats, SourceConfig
from app.harvest.sources import adapter_for
from app.harvest.sources.base import Adapter, Page, RemoteRecord, RunPlan, SourceError
from app.models import HarvestJob, HarvestSource
from app.timeutil import utcnow

log = logging.getLogger(__name__)
Progress = Callable[[JobStats], None]
CONFIRM_BATCH = 100


class JobInterrupted(RuntimeError):
    """The job lost its database and even its failure could not be recorded."""

    def __init__(self, job_id: str, message: str) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.message = message


@dataclass
class Deletions:
    message: str = ""
    withheld: bool = False


def plan_for(
    session: Session, source: HarvestSource, job: HarvestJob, cfg: SourceConfig
) -> RunPlan:
    if source.type == "catalog":
        last = None if job.full else repo.last_finished(session, source.id)
        return RunPlan("feed", cursor=last.cursor if last else None)
    if source.type == "dcat" or job.full or not cfg.incremental:
        return RunPlan("full")
    last = repo.last_finished(session, source.id)
    if last is None or last.started is None:
        return RunPlan("full")
    if cfg.full_every_days:
        last_full = repo.last_finished(session, source.id, full=True)
        due = utcnow() - timedelta(days=cfg.full_every_days)
        if last_full is None or last_full.started is None or last_full.started < due:
            return RunPlan("full")
    # The remote's own clock (newest metadata_modified seen), with an overlap for transactions
    # that committed late; re-read records are recognised by their hash and not rewritten.
    base = last.watermark or last.started
    return RunPlan("incremental", since=base - timedelta(minutes=cfg.incremental_overlap_minutes))


def _stats(ctx: Context) -> JobStats:
    return JobStats(**ctx.stats)


def _save(session: Session, job_id: str, ctx: Context) -> None:
    job = session.get(HarvestJob, job_id)
    assert job is not None
    for key, value in _stats(ctx).model_dump().items():
        setattr(job, key, value)
    job.heartbeat = utcnow()


def _withdraw(session: Session, ctx: Context, keys: list[str], urls: dict[str, str]) -> None:
    records = repo.records_by_key(session, ctx.source_id, keys)
    repo.lock_datasets(session, [r.dataset_id for r in records.values() if r.dataset_id])
    rows = []
    for key in keys:
        record = records.get(key)
        if record is None or record.status != "active" or record.dataset_id is None:
            continue
        status, message, name = "deleted", "gone from the source: withdrawn", None
        try:
            with session.begin_nested():
                name = datasets.delete_dataset(session, HARVESTER, record.dataset_id).name
            record.status = "deleted"
            record.last_changed = utcnow()
        except AppError as exc:
            status, message = "errored", f"could not withdraw: {exc.message}"
        ctx.count(status)
        rows.append(
            {
                "remote_key": key,
                "remote_url": urls.get(key, ""),
                "dataset_id": record.dataset_id,
                "dataset_name": name,
                "status": status,
                "message": message,
            }
        )
    repo.add_objects(session, ctx.job_id, rows)


def _deletions(
    factory: sessionmaker[Session], ctx: Context, adapter: Adapter, plan: RunPlan
) -> Deletions:
    with factory() as session:
        if plan.mode == "feed":
            candidates = list(ctx.tombstones)
        elif adapter.complete:
            # An incremental run that listed the remote ids (CKAN) counts them as seen too.
            seen = ctx.seen | (getattr(adapter, "listed", None) or set())
            candidates = [k for k in repo.active_keys(session, ctx.source_id) if k not in seen]
        else:
            return Deletions()
        total = repo.count_active(session, ctx.source_id)
    if not candidates:
        return Deletions()
    if ctx.config.delete_policy == "keep":
        return Deletions(f"{len(candidates)} records are gone from the source; kept here "
                         "(delete_policy keep)")  # fmt: skip
    share = 100.0 * len(candidates) / total if total else 100.0
    if share > ctx.config.delete_threshold:
        return Deletions(
            f"{len(candidates)} of {total} records ({share:.0f}%) vanished from the source in "
            f"this run, more than the deletion threshold of {ctx.config.delete_threshold:g}%: "
            "nothing was deleted. Check the source; if the removals are real, raise "
            "config delete_threshold and run again.",
            withheld=True,
        )
    for start in range(0, len(candidates), CONFIRM_BATCH):
        chunk = candidates[start : start + CONFIRM_BATCH]
        # Where the source can answer for one record, ask: offset paging may have skipped it.
        found: dict[str, RemoteRecord | None] = {} if plan.mode == "feed" else adapter.lookup(chunk)
        present = [r for r in found.values() if r is not None]
        gone = [k for k in chunk if found.get(k) is None]
        with factory() as session, session.begin():
            # Every row this transaction may write, locked before any history write takes
            # the feed-order lock (the order web requests use).
            known = repo.records_by_key(session, ctx.source_id, chunk)
            repo.lock_datasets(session, [r.dataset_id for r in known.values() if r.dataset_id])
            if present:
                import_page(session, ctx, Page(present))
            _withdraw(session, ctx, gone, ctx.tombstones)
            _save(session, ctx.job_id, ctx)
    return Deletions()


def _finish(
    factory: sessionmaker[Session],
    job_id: str,
    ctx: Context | None,
    status: str,
    message: str,
    cursor: str | None = None,
) -> HarvestJob:
    with factory() as session, session.begin():
        job = session.get(HarvestJob, job_id)
        assert job is not None
        if ctx is not None:
            _save(session, job_id, ctx)
            previous = repo.last_finished(session, job.source_id)
            marks = [m for m in (ctx.watermark, previous.watermark if previous else None) if m]
            job.watermark = max(marks) if marks else None
        job.status = status
        job.message = message
        job.cursor = cursor
        job.finished = utcnow()
        return job


def _start(session: Session, job_id: str) -> tuple[Context, RunPlan, HarvestSource, dict[str, str]]:
    job = session.get(HarvestJob, job_id)
    assert job is not None and job.status == "running", f"job {job_id} is not running"
    source = session.get(HarvestSource, job.source_id)
    assert source is not None
    cfg = SourceConfig.model_validate(source.config or {})
    plan = plan_for(session, source, job, cfg)
    job.mode, job.since = plan.mode, plan.since
    licenses, categories, measures = repo.vocabulary(session)
    ctx = Context(
        source_id=source.id,
        source_type=source.type,
        org_name=repo.org_names(session, [source.organization_id])[source.organization_id],
        config=cfg,
        job_id=job_id,
        licenses=licenses,
        categories=categories,
        measures=measures,
        writable=writable_organizations(session, source),
    )
    return ctx, plan, source, repo.license_uris(session)


def run_job(
    factory: sessionmaker[Session],
    settings: Settings,
    job_id: str,
    progress: Progress | None = None,
    lease: JobLease | None = None,
) -> HarvestJob:
    """Run a job already marked running (see service.start_job / worker.claim) to its end.

    Raises `JobInterrupted` when the job lost its database and its end could not be written.
    """
    ctx: Context | None = None
    client: GuardedClient | None = None
    try:
        with factory() as session, session.begin():
            ctx, plan, source, licence_uris = _start(session, job_id)
            kind, url = source.type, source.url
        cfg = ctx.config
        limits = FetchLimits(
            read_timeout=cfg.timeout, max_bytes=cfg.max_page_mb * 1024 * 1024, retries=cfg.retries
        )
        client = GuardedClient.from_settings(settings, limits)
        adapter = adapter_for(kind, url, cfg, client, licence_uris)
        for page in adapter.pages(plan):
            _import_retrying(factory, ctx, page, settings.harvest_lease_seconds, lease)
            if progress is not None:
                progress(_stats(ctx))
        if lease is not None:
            lease.check()
        outcome = _deletions(factory, ctx, adapter, plan)
        cursor = plan.cursor if outcome.withheld else adapter.cursor
        return _finish(factory, job_id, ctx, "finished", outcome.message, cursor)
    except (SourceError, FetchError) as exc:
        return _finish(factory, job_id, ctx, "failed", exc.message)
    except LeaseLost:
        log.warning("harvest job %s: taken over while cut off from the database", job_id)
        with factory() as session:
            job = session.get(HarvestJob, job_id)
            assert job is not None
            return job
    except Exception as exc:
        if transient(exc) is not None:
            return _interrupted(factory, job_id, exc)
        # A bug must not stop the worker: the job fails with the error, the log has the trace.
        log.exception("harvest job %s failed", job_id)
        return _finish(
            factory, job_id, ctx, "failed", f"internal error: {type(exc).__name__}: {exc}"
        )
    finally:
        if client is not None:
            client.close()


def _import_retrying(
    factory: sessionmaker[Session],
    ctx: Context,
    page: Page,
    budget: float,
    lease: JobLease | None,
) -> None:
    """Import and commit one page; on a transient database fault (a lock held past the busy
    timeout, a dropped connection) roll back, back off with jitter and import it again, for
    up to `budget` seconds (the lease time: after that the job may be taken over anyway)."""
    restore = checkpoint(ctx, page)
    backoff = Backoff(base=0.2, cap=5.0)
    deadline = time.monotonic() + budget
    while True:
        if lease is not None:
            lease.check()
        try:
            with factory() as session, session.begin():
                import_page(session, ctx, page)
                _save(session, ctx.job_id, ctx)
            return
        except Exception as exc:
            restore()
            wait = backoff.next()
            if transient(exc) is None or time.monotonic() + wait > deadline:
                raise
            log.warning("harvest job %s: page import hit a transient database error; "
                        "again in %.1f s: %s", ctx.job_id, wait, exc)  # fmt: skip
            time.sleep(wait)


def _interrupted(factory: sessionmaker[Session], job_id: str, exc: Exception) -> HarvestJob:
    """Fail a job that lost its database, saying so; what it imported stays."""
    message = (
        f"lost its database in the middle of the run ({type(exc).__name__}: "
        f"{str(exc).splitlines()[0][:300]}). Every page imported before that is kept; "
        "the next run starts normally and imports the rest."
    )
    log.warning("harvest job %s: %s", job_id, message)
    try:
        return _finish(factory, job_id, None, "failed", message)
    except Exception as again:
        if transient(again) is None:
            raise
        raise JobInterrupted(job_id, message) from again
