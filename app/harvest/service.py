"""Harvest rules: sources (create, read, update, delete), job requests and reports.

Reading sources and reports is public (as on CKAN portals); managing a source, or asking for
a run, takes an admin of its owner organisation or a sysadmin.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import require_role
from app.accounts.visibility import can_read_dataset
from app.common.validate import FieldErrors, check_name, is_http_url
from app.errors import Conflict, Invalid, NotFound
from app.harvest import repository as repo
from app.harvest.lease import runner_id
from app.harvest.schedule import Cron, CronError, next_run
from app.harvest.schemas import (
    JobOut,
    JobReport,
    JobStats,
    RecordOut,
    SourceConfig,
    SourceIn,
    SourceOut,
    SourcePatch,
)
from app.models import HarvestJob, HarvestSource
from app.models.base import new_uuid
from app.organizations import repository as org_repo
from app.timeutil import utcnow

MAX_REPORT = 1000


def job_out(job: HarvestJob, source_name: str) -> JobOut:
    return JobOut(
        id=job.id,
        source=source_name,
        status=job.status,
        trigger=job.trigger,
        mode=job.mode,
        full=job.full,
        created=job.created,
        started=job.started,
        finished=job.finished,
        stats=JobStats(
            added=job.added,
            updated=job.updated,
            unchanged=job.unchanged,
            deleted=job.deleted,
            errored=job.errored,
            skipped=job.skipped,
        ),
        message=job.message,
    )


def source_out(session: Session, source: HarvestSource, last: HarvestJob | None) -> SourceOut:
    org = repo.org_names(session, [source.organization_id]).get(source.organization_id, "")
    return SourceOut(
        id=source.id,
        name=source.name,
        title=source.title,
        type=source.type,
        url=source.url,
        organization=org,
        schedule=source.schedule,
        config=SourceConfig.model_validate(source.config or {}),
        active=source.active,
        next_run_at=source.next_run_at,
        created=source.created,
        modified=source.modified,
        last_job=job_out(last, source.name) if last is not None else None,
    )


def _load(session: Session, ref: str, *, for_update: bool = False) -> HarvestSource:
    source = repo.source_by_ref(session, ref, for_update=for_update)
    if source is None:
        raise NotFound(f"Harvest source {ref!r} not found")
    return source


# Path segments of the staff pages that a source name would shadow (/harvest/new is the form,
# /harvest/{name}/edit|run|test|job/… are the source's pages).
RESERVED_NAMES = frozenset({"new", "edit", "job", "run", "test"})


def _check_name(errors: FieldErrors, name: str) -> None:
    check_name(errors, "name", name)
    if name in RESERVED_NAMES:
        reserved = ", ".join(sorted(RESERVED_NAMES))
        errors.add(
            "name", f"This name is reserved for the harvest pages ({reserved}): choose another"
        )


def _check(errors: FieldErrors, url: str | None, schedule: str | None) -> None:
    if url is not None and not is_http_url(url.strip()):
        errors.add("url", "Please provide a valid http:// or https:// URL")
    if schedule is not None:
        try:
            Cron.parse(schedule)
        except CronError as exc:
            errors.add("schedule", f"Not a valid cron expression: {exc}")


def field_errors(name: str | None, url: str | None, schedule: str | None) -> dict[str, list[str]]:
    """The checks of the name, URL and schedule alone (forms show them with the schema's)."""
    errors = FieldErrors()
    if name is not None:
        _check_name(errors, name)
    _check(errors, url, schedule)
    return errors.fields


def _org_id(session: Session, actor: Actor, ref: str, errors: FieldErrors) -> str | None:
    org = org_repo.by_ref(session, ref)
    if org is None:
        errors.add("organization", f"Organization {ref!r} does not exist")
        return None
    require_role(actor, org.id, "admin", f"manage harvest sources of {org.name}")
    return org.id


def create_source(session: Session, actor: Actor, data: SourceIn) -> SourceOut:
    errors = FieldErrors()
    _check_name(errors, data.name)
    _check(errors, data.url, data.schedule)
    org_id = _org_id(session, actor, data.organization, errors)
    if not errors.fields.get("name") and repo.source_by_ref(session, data.name) is not None:
        errors.add("name", "A harvest source with this name already exists")
    if errors or org_id is None:
        raise Invalid(
            "The harvest source is not valid: see the message for each field", errors.fields
        )
    source = HarvestSource(
        name=data.name,
        title=data.title or data.name,
        type=data.type,
        url=data.url.strip(),
        organization_id=org_id,
        schedule=" ".join(data.schedule.split()),
        config=data.config.model_dump(mode="json", exclude_defaults=True),
        active=data.active,
        next_run_at=next_run(data.schedule, utcnow()) if data.active else None,
        creator_user_id=actor.user_id,
    )
    session.add(source)
    session.flush()
    return source_out(session, source, None)


def list_sources(session: Session) -> list[SourceOut]:
    sources = repo.sources(session)
    last = repo.last_jobs(session, [s.id for s in sources])
    return [source_out(session, s, last.get(s.id)) for s in sources]


def get_source(session: Session, ref: str) -> SourceOut:
    source = _load(session, ref)
    return source_out(session, source, repo.last_jobs(session, [source.id]).get(source.id))


def update_source(session: Session, actor: Actor, ref: str, data: SourcePatch) -> SourceOut:
    source = _load(session, ref, for_update=True)
    require_role(actor, source.organization_id, "admin", f"manage harvest source {source.name}")
    errors = FieldErrors()
    _check(errors, data.url, data.schedule)
    org_id = _org_id(session, actor, data.organization, errors) if data.organization else None
    if errors:
        raise Invalid(
            "The harvest source is not valid: see the message for each field", errors.fields
        )
    if data.title is not None:
        source.title = data.title
    if data.url is not None:
        source.url = data.url.strip()
    if org_id is not None:
        source.organization_id = org_id
    if data.config is not None:
        source.config = data.config.model_dump(mode="json", exclude_defaults=True)
    if data.schedule is not None:
        source.schedule = " ".join(data.schedule.split())
    if data.active is not None:
        source.active = data.active
    source.next_run_at = next_run(source.schedule, utcnow()) if source.active else None
    source.modified = utcnow()
    session.flush()
    return get_source(session, source.id)


def delete_source(session: Session, actor: Actor, ref: str) -> None:
    """Remove the source with its jobs and reports; its datasets stay in the catalogue."""
    source = _load(session, ref, for_update=True)
    require_role(actor, source.organization_id, "admin", f"delete harvest source {source.name}")
    active = repo.active_job(session, source.id)
    if active is not None and active.status == "running":
        raise Conflict(f"Source {source.name} has a running job ({active.id}); try again later")
    session.delete(source)
    session.flush()


def _new_job(
    session: Session, source: HarvestSource, status: str, trigger: str, full: bool, actor: Actor
) -> HarvestJob:
    now = utcnow()
    job = HarvestJob(
        id=new_uuid(),
        source_id=source.id,
        status=status,
        trigger=trigger,
        full=full,
        requested_by=actor.user_id,
        created=now,
    )
    if status == "running":
        job.started, job.heartbeat, job.runner = now, now, runner_id()
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError as exc:
        active = repo.active_job(session, source.id)
        which = f" ({active.status} job {active.id})" if active is not None else ""
        raise Conflict(f"Source {source.name} already has a job queued or running{which}") from exc
    return job


def request_job(
    session: Session, actor: Actor, ref: str, *, full: bool = False, trigger: str = "manual"
) -> JobOut:
    """Queue a run; a worker (or the scheduler thread) picks it up."""
    source = _load(session, ref)
    require_role(actor, source.organization_id, "admin", f"run harvest source {source.name}")
    return job_out(_new_job(session, source, "queued", trigger, full, actor), source.name)


def start_job(session: Session, actor: Actor, ref: str, *, full: bool = False) -> JobOut:
    """Create a job already running in this process (`catalog harvest run`): the caller holds
    a JobLease for it before committing, then calls runner.run_job."""
    source = _load(session, ref)
    require_role(actor, source.organization_id, "admin", f"run harvest source {source.name}")
    return job_out(_new_job(session, source, "running", "cli", full, actor), source.name)


def list_jobs(session: Session, ref: str | None = None, limit: int = 50) -> list[JobOut]:
    source_id = _load(session, ref).id if ref else None
    jobs = repo.jobs(session, source_id, min(max(limit, 1), MAX_REPORT))
    names = {s.id: s.name for s in repo.sources(session)}
    return [job_out(j, names.get(j.source_id, "?")) for j in jobs]


def get_job(session: Session, job_id: str) -> JobOut:
    job = repo.job(session, job_id)
    if job is None:
        raise NotFound(f"Harvest job {job_id!r} not found")
    return job_out(job, repo.source_name(session, job.source_id))


def job_report(
    session: Session,
    job_id: str,
    actor: Actor,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> JobReport:
    """A job's records; a record whose dataset the actor may not read (made private, draft,
    deleted or purged since) keeps its remote id, status and message but not the dataset
    nor the remote URL (which carries the name)."""
    job = get_job(session, job_id)
    if limit < 1 or limit > MAX_REPORT or offset < 0:
        raise Invalid(f"limit must be 1-{MAX_REPORT}, offset >= 0", {"limit": ["Out of range"]})
    total, rows = repo.objects(session, job_id, status, limit, offset)
    seen = repo.dataset_visibility(session, [r.dataset_id for r in rows if r.dataset_id])

    def readable(dataset_id: str | None) -> bool:
        if dataset_id is None:
            return True
        found = seen.get(dataset_id)
        return found is not None and can_read_dataset(actor, *found)

    records = [
        RecordOut(
            remote_key=r.remote_key,
            remote_url=r.remote_url if readable(r.dataset_id) else None,
            dataset_id=r.dataset_id if readable(r.dataset_id) else None,
            dataset_name=r.dataset_name if readable(r.dataset_id) else None,
            status=r.status,
            message=r.message,
        )
        for r in rows
    ]
    return JobReport(job=job, total=total, records=records)
