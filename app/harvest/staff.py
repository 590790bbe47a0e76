"""Harvest as the staff pages see it: only the sources of my organisations.

Rules (decided here, once, for every staff page):
- seeing a source, its jobs and reports takes a role of at least editor in the source's
  organisation (sysadmin: every source); anyone else gets 403, whatever the page;
- managing it (create, edit, run now, test connection of a saved source) takes admin, the
  rule of `app.harvest.service` that the API applies too (its functions check it again);
- a new source may only be put in an organisation the actor administers.
The public API still lists every source (as CKAN portals do); these pages are the clerk's
working view, scoped to the organisations they work for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import require_authenticated
from app.errors import Forbidden, Invalid, NotFound
from app.harvest import repository as repo
from app.harvest import service
from app.harvest.preview import Draft
from app.harvest.schemas import JobOut, JobReport, SourceConfig, SourceOut
from app.models import HarvestSource, Organization
from app.organizations import repository as org_repo

SEE = "editor"
MANAGE = "admin"
REPORT_PAGE = 50


@dataclass(frozen=True)
class OrgChoice:
    name: str
    title: str
    title_en: str


def may_see(actor: Actor, organization_id: str) -> bool:
    return actor.has_role(organization_id, SEE)


def may_manage(actor: Actor, organization_id: str) -> bool:
    return actor.has_role(organization_id, MANAGE)


def _source(session: Session, actor: Actor, ref: str) -> HarvestSource:
    require_authenticated(actor)
    source = repo.source_by_ref(session, ref)
    if source is None:
        raise NotFound(f"Harvest source {ref!r} not found")
    if not may_see(actor, source.organization_id):
        raise Forbidden(f"User {actor.name} may not see harvest source {source.name}")
    return source


def my_sources(session: Session, actor: Actor) -> list[SourceOut]:
    """The sources of the organisations where the actor is at least editor (sysadmin: all)."""
    require_authenticated(actor)
    sources = [s for s in repo.sources(session) if may_see(actor, s.organization_id)]
    last = repo.last_jobs(session, [s.id for s in sources])
    return [service.source_out(session, s, last.get(s.id)) for s in sources]


def source_view(session: Session, actor: Actor, ref: str) -> tuple[SourceOut, bool]:
    """(the source, whether the actor may manage it); 404 unknown, 403 not mine."""
    source = _source(session, actor, ref)
    out = service.source_out(session, source, repo.last_jobs(session, [source.id]).get(source.id))
    return out, may_manage(actor, source.organization_id)


def require_manage(session: Session, actor: Actor, ref: str) -> SourceOut:
    source = _source(session, actor, ref)
    if not may_manage(actor, source.organization_id):
        raise Forbidden(f"User {actor.name} is not allowed to manage harvest source {source.name}")
    return service.source_out(session, source, None)


def source_jobs(session: Session, actor: Actor, ref: str, limit: int = 50) -> list[JobOut]:
    source = _source(session, actor, ref)
    return service.list_jobs(session, source.id, limit)


def job_view(
    session: Session, actor: Actor, ref: str, job_id: str, status: str | None, page: int
) -> JobReport:
    """One page (REPORT_PAGE records) of a job's report, the job belonging to source `ref`."""
    source = _source(session, actor, ref)
    job = repo.job(session, job_id)
    if job is None or job.source_id != source.id:
        raise NotFound(f"Harvest job {job_id!r} of source {source.name} not found")
    offset = (max(page, 1) - 1) * REPORT_PAGE
    return service.job_report(
        session, job_id, actor, status=status, limit=REPORT_PAGE, offset=offset
    )


def organization_choices(session: Session, actor: Actor) -> list[OrgChoice] | None:
    """The organisations the actor may put a source in; None: any (a sysadmin)."""
    require_authenticated(actor)
    if actor.sysadmin:
        return None
    ids = [o for o in actor.roles if may_manage(actor, o)]
    if not ids:
        return []
    rows = session.scalars(
        select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)
    )
    return [OrgChoice(o.name, o.title, o.title_en) for o in rows]


def draft(
    session: Session,
    actor: Actor,
    *,
    type: str,
    url: str,
    organization: str,
    config: SourceConfig,
    source_ref: str | None = None,
) -> Draft:
    """A source to test, typed in a form or saved; the actor must manage its organisation."""
    saved = _source(session, actor, source_ref) if source_ref else None
    org = org_repo.by_ref(session, organization) if organization else None
    if org is None and saved is not None:
        org = session.get(Organization, saved.organization_id)
    if org is None:
        raise Invalid(
            "The harvest source is not valid: see the message for each field",
            {"organization": [f"Organization {organization!r} does not exist"]},
        )
    if not may_manage(actor, org.id) or (saved and not may_manage(actor, saved.organization_id)):
        raise Forbidden(f"User {actor.name} may not manage harvest sources of {org.name}")
    return Draft(type, url.strip(), org.id, org.name, config, saved.id if saved else None)
