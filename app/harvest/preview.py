"""Test connection: fetch a source's FIRST page and say what a run would do, writing nothing.

The page is fetched through the guarded client (`app.harvest.fetch`, the same address policy
as real runs: a private or loopback address is refused unless `CATALOG_HARVEST_ALLOWED_HOSTS`
allows it), with tighter time limits and no retries, and read by the source type's own
adapter (`app.harvest.sources`). Each record then goes through the importer's planning steps
that only read (`app.harvest.importer.prepare`: owner organisation, defaults, references
through the resolver; `content_hash`; the source's known records; duplicates from other
sources) to give its outcome: new, update, unchanged, skipped (with why) or refused (with
why). Nothing is added to the session: no dataset, record, job or source row.

A broken remote (refused address, timeout, HTTP error, not JSON/RDF, paging loop) gives a
`Preview` with `error` set, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.config import Settings
from app.errors import AppError, Forbidden
from app.harvest import repository as repo
from app.harvest.authority import writable_organizations
from app.harvest.fetch import FetchError, FetchLimits, GuardedClient
from app.harvest.importer import Context, content_hash, prepare
from app.harvest.schemas import SourceConfig
from app.harvest.sources import adapter_for
from app.harvest.sources.base import Page, RemoteRecord, RunPlan, SourceError
from app.models import HarvestSource

SHOWN = 20  # records listed on the page
# Bounds for a request made while a person waits for the page (seconds).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
TOTAL_TIMEOUT = 20.0
OUTCOMES = ("new", "update", "unchanged", "skipped", "refused")


@dataclass
class PreviewRow:
    title: str
    remote_id: str
    remote_org: str  # as the remote names it ("" when it names none)
    organization: str  # where it would go here (our organisation name; "" when refused)
    outcome: str  # one of OUTCOMES
    message: str = ""
    dataset_name: str | None = None  # the dataset it would update, if any


@dataclass
class Preview:
    url: str
    error: str | None = None
    on_page: int = 0
    total: int | None = None  # as the remote says (CKAN count, hydra:totalItems); None: not said
    rows: list[PreviewRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> records on the page


@dataclass(frozen=True)
class Draft:
    """What is needed to read a source: saved or only typed in a form."""

    type: str
    url: str
    organization_id: str
    organization: str  # its name
    config: SourceConfig
    source_id: str | None = None  # the saved source, when there is one


def _limits(cfg: SourceConfig) -> FetchLimits:
    return FetchLimits(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=min(cfg.timeout, READ_TIMEOUT),
        total_timeout=TOTAL_TIMEOUT,
        max_bytes=cfg.max_page_mb * 1024 * 1024,
        retries=0,
    )


def first_page(
    settings: Settings, draft: Draft, licence_uris: dict[str, str]
) -> tuple[Page | None, int | None]:
    """(the first page, the remote's total if it says) through the guarded client.
    Raises FetchError / SourceError when the remote is broken."""
    with GuardedClient.from_settings(settings, _limits(draft.config)) as client:
        adapter = adapter_for(draft.type, draft.url, draft.config, client, licence_uris)
        pages = iter(adapter.pages(RunPlan("feed" if draft.type == "catalog" else "full")))
        page = next(pages, None)
        total = getattr(adapter, "total", None)
        return page, total if isinstance(total, int) else None


def _writable(session: Session, actor: Actor, draft: Draft) -> frozenset[str] | None:
    """Where the source would write: the saved source's rule, or for a draft its creator's."""
    source = session.get(HarvestSource, draft.source_id) if draft.source_id else None
    if source is not None:
        return writable_organizations(session, source)
    if actor.sysadmin:
        return None
    ids = [draft.organization_id] + [o for o in actor.roles if actor.has_role(o, "editor")]
    return frozenset(repo.org_names(session, ids).values())


def _context(session: Session, actor: Actor, draft: Draft) -> Context:
    licenses, categories, measures = repo.vocabulary(session)
    return Context(
        source_id=draft.source_id or "",
        source_type=draft.type,
        org_name=draft.organization,
        config=draft.config,
        job_id="",
        licenses=licenses,
        categories=categories,
        measures=measures,
        writable=_writable(session, actor, draft),
    )


def _plan(session: Session, ctx: Context, rec: RemoteRecord) -> PreviewRow:
    title = rec.data.title if rec.data is not None else ""
    row = PreviewRow(
        title=title or rec.key,
        remote_id=rec.remote_id or rec.key,
        remote_org=" / ".join(r for r in (rec.remote_org, *rec.remote_org_refs[:1]) if r),
        organization="",
        outcome="refused",
    )
    if rec.error is not None or rec.data is None:
        row.message = rec.error or "no data"
        return row
    notes: list[str] = []
    try:
        data = prepare(session, ctx, rec, rec.data, notes)
    except Forbidden as exc:
        row.message = exc.message
        return row
    except AppError as exc:
        row.message = exc.message
        return row
    row.organization = data.owner_org or ctx.org_name
    digest = content_hash(data)
    known = repo.records_by_key(session, ctx.source_id, [rec.key]).get(rec.key)
    states = repo.dataset_states(session, [known.dataset_id]) if known and known.dataset_id else {}
    state = states.get(known.dataset_id) if known and known.dataset_id else None
    if known is not None and state is not None:
        row.dataset_name = state[1]
        same = known.status == "active" and known.content_hash == digest
        row.outcome = "unchanged" if same else "update"
    elif dup := repo.duplicate_of(session, ctx.source_id, rec.remote_uri, rec.identifier):
        row.outcome = "skipped"
        notes.append(
            f"same URI/identifier as a dataset harvested from source "
            f"{repo.source_name(session, dup.source_id)}: not duplicated"
        )
    else:
        row.outcome = "new"
    row.message = "; ".join([*notes, *rec.notes])
    return row


def plan(
    session: Session, actor: Actor, draft: Draft, page: Page | None, total: int | None
) -> Preview:
    """What a run would do with `page` (from `first_page`); reads only: the vocabulary,
    organisations, the source's harvest records and datasets, duplicates of other sources."""
    result = Preview(url=draft.url, total=total)
    records = page.records if page is not None else []
    result.on_page = len(records)
    ctx = _context(session, actor, draft)
    with session.no_autoflush:
        planned = [_plan(session, ctx, rec) for rec in records]
    for row in planned:
        result.counts[row.outcome] = result.counts.get(row.outcome, 0) + 1
    result.rows = planned[:SHOWN]
    return result


def fetch_page(
    settings: Settings, draft: Draft, licence_uris: dict[str, str]
) -> tuple[Page | None, int | None, str | None]:
    """`first_page`, with a broken remote's message instead of an exception."""
    try:
        page, total = first_page(settings, draft, licence_uris)
    except (FetchError, SourceError) as exc:
        return None, None, exc.message
    return page, total, None


def preview(session: Session, settings: Settings, actor: Actor, draft: Draft) -> Preview:
    """The first page of `draft`'s source as a run would import it; writes nothing.
    Errors of the remote (FetchError, SourceError) are returned in `Preview.error`.
    (A web request that must not hold a session while the remote answers calls
    `fetch_page` outside one and `plan` inside one.)"""
    page, total, error = fetch_page(settings, draft, repo.license_uris(session))
    if error is not None:
        return Preview(url=draft.url, error=error)
    return plan(session, actor, draft, page, total)
