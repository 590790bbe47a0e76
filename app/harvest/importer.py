"""Import a page of remote records: add, update, leave unchanged, skip duplicates, or error.

Rules (PRODUCT.md §5):
- identity: the source's key (remote URI / identifier / remote id) in harvest_record, so a
  record never duplicates across runs; a record whose URI or identifier another source already
  brought in, or whose id a local dataset already has, is skipped and flagged, not duplicated;
- idempotent: the content hash of what we would write; equal hash = no write at all;
- local edits survive: fields in the dataset's local_fields are never overwritten;
- a record withdrawn earlier comes back with its local additions (a patch, not a replace);
- names are kept as the source has them; a clash gets a free `-2`, `-3`... suffix;
- references (organisation, licences, categories, measures) go through the reference
  resolver; a value we cannot place, or one our catalogue refuses (unknown frequency, bad
  e-mail...), is kept as a `remote_*` extra (URLs with blanks are dropped) and named in the
  record's message, instead of losing the whole record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.catalog import references
from app.catalog.references import Vocabulary
from app.common.validate import NAME_RE, canonical_uuid
from app.datasets import history
from app.datasets import service as datasets
from app.datasets.placement import keep_refused, place_references
from app.datasets.schemas import (
    DatasetCreate,
    DatasetFields,
    DatasetOut,
    DatasetPatch,
    Provenance,
)
from app.errors import AppError, Forbidden, Invalid
from app.harvest import repository as repo
from app.harvest.schemas import SourceConfig
from app.harvest.sources.base import Page, RemoteRecord
from app.models import HarvestRecord
from app.timeutil import utcnow

HARVESTER = Actor(name="harvester", sysadmin=True)
# DatasetOut names of local fields -> the input field they come from.
OUTPUT_TO_INPUT = {"organization": "owner_org", "license": "license_id"}
MAX_REPAIRS = 3


@dataclass
class Context:
    """What a job carries from page to page (ids and counts only, never whole records)."""

    source_id: str
    source_type: str
    org_name: str
    config: SourceConfig
    job_id: str
    licenses: dict[str, str]
    categories: set[str]
    measures: set[str]
    vocab: Vocabulary | None = None
    seen: set[str] = field(default_factory=set)
    tombstones: dict[str, str] = field(default_factory=dict)  # key -> remote url
    stats: dict[str, int] = field(default_factory=dict)
    watermark: datetime | None = None
    orgs: dict[str, str | None] = field(default_factory=dict)
    # Organisations (names) the source may write into; None: any (app.harvest.authority).
    writable: frozenset[str] | None = None

    def count(self, status: str) -> None:
        self.stats[status] = self.stats.get(status, 0) + 1


@dataclass
class Outcome:
    status: str
    dataset_id: str | None = None
    dataset_name: str | None = None
    message: str = ""


@dataclass
class PageState:
    """What one page's records need from the database, read in a few queries per page."""

    records: dict[str, HarvestRecord]
    states: dict[str, tuple[str, str, list[str]]]  # dataset id -> (state, name, local_fields)
    owners: dict[str, str | None]  # dataset id -> name (None unless public), for ids asked for
    taken: set[str]  # dataset names known to be in use
    new_records: list[dict[str, Any]] = field(default_factory=list)


def content_hash(data: DatasetCreate) -> str:
    raw = orjson.dumps(data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


def _remote_org(session: Session, ctx: Context, rec: RemoteRecord) -> str | None:
    """The remote organisation's name here, through the reference resolver (its name, then its
    title and id: `org_0900`, 消費者庁...); None when none of them is known."""
    refs = [r for r in (rec.remote_org, *rec.remote_org_refs) if r]
    key = "\x1f".join(refs)
    if key not in ctx.orgs:
        found = None
        for ref in refs:
            org = references.organization(session, ref)
            if org is not None:
                found = org.name
                break
        ctx.orgs[key] = found
    return ctx.orgs[key]


def _owner(session: Session, ctx: Context, rec: RemoteRecord, notes: list[str]) -> tuple[str, bool]:
    """(owner organisation name, whether the remote organisation could not be placed).

    With config remote_organizations (default for catalog sources) the remote organisation,
    placed by the reference resolver; then the harvest authority check: an organisation the
    source may not write to falls back to the source's own or is refused (config
    outside_organizations). Otherwise, or when unknown here, the source's organisation.
    """
    remote_first = ctx.config.remote_organizations
    if remote_first is None:
        remote_first = ctx.source_type == "catalog"
    if not remote_first or not (rec.remote_org or rec.remote_org_refs):
        return ctx.org_name, False
    found = _remote_org(session, ctx, rec)
    if found is None:
        refs = " / ".join(r for r in (rec.remote_org, *rec.remote_org_refs) if r)
        notes.append(
            f"organisation {refs!r} is not known here: placed under {ctx.org_name}, "
            "kept in remote_organization"
        )
        return ctx.org_name, True
    if ctx.writable is None or found in ctx.writable:
        return found, False
    if ctx.config.outside_organizations == "refuse":
        raise Forbidden(
            f"remote organisation {found} is not one this source may write to: refused "
            "(config outside_organizations)"
        )
    notes.append(
        f"remote organisation {found} is not one this source may write to: put in {ctx.org_name}"
    )
    return ctx.org_name, False


def prepare(
    session: Session,
    ctx: Context,
    rec: RemoteRecord,
    data: DatasetCreate,
    notes: list[str] | None = None,
) -> DatasetCreate:
    """The record as this catalogue will hold it: owner, defaults, references resolved through
    the reference resolver. What the record's message must say (every value kept as a
    `remote_*` extra instead of placed) is appended to `notes`."""
    notes = notes if notes is not None else []
    cfg = ctx.config
    if ctx.vocab is None:
        ctx.vocab = Vocabulary.load(session)
    data = data.model_copy(
        update={
            "tags": list(dict.fromkeys((data.tags or []) + cfg.default_tags)),
            "categories": list(dict.fromkeys((data.categories or []) + cfg.default_categories)),
        }
    )
    placed, placed_notes = place_references(
        ctx.vocab, data, measures=ctx.measures, default_license=cfg.default_license
    )
    notes += placed_notes  # rec.notes (what the adapter kept) are added by import_record
    owner, unplaced = _owner(session, ctx, rec, notes)
    if unplaced:
        extras = dict(placed.extras or {})
        extras["remote_organization"] = " / ".join(
            r for r in (rec.remote_org, *rec.remote_org_refs) if r
        )
        placed = placed.model_copy(update={"extras": extras})
    return placed.model_copy(update={"owner_org": owner})


Input = TypeVar("Input", DatasetCreate, DatasetPatch)


def _drop_invalid(data: Input, exc: Invalid) -> tuple[Input, list[str]]:
    """The same input without the values the service refused (kept as `remote_*` extras where
    they can be, URLs dropped: `keep_refused`), and notes saying what happened to each."""
    values = data.model_dump(exclude_unset=True)
    notes = keep_refused(values, exc.fields)
    return type(data)(**values), notes


def _repairing(
    session: Session, data: Input, write: Callable[[Input], DatasetOut]
) -> tuple[DatasetOut, list[str]]:
    """`write(data)` in a savepoint; when the service refuses values, the same without them
    (up to MAX_REPAIRS times). Returns the result and what was dropped."""
    dropped: list[str] = []
    for _attempt in range(MAX_REPAIRS):
        try:
            with session.begin_nested():
                return write(data), dropped
        except Invalid as exc:
            data, more = _drop_invalid(data, exc)
            if not more:
                raise
            dropped += more
    raise Invalid("still invalid after dropping the refused values")


def _free_name(
    session: Session, page: PageState, wanted: str | None, current: str | None = None
) -> str | None:
    """The remote name if free (or ours already), else the first free `name-N`."""
    if not wanted or not NAME_RE.match(wanted) or canonical_uuid(wanted) or wanted == current:
        return current
    if wanted not in page.taken:
        page.taken.add(wanted)
        return wanted
    candidates = [f"{wanted[:95]}-{n}" for n in range(2, 100)]
    taken = repo.names_taken(session, candidates) | page.taken
    name = next((c for c in candidates if c not in taken), current)
    if name is not None:
        page.taken.add(name)
    return name


def _error_text(exc: AppError) -> str:
    details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
    return f"{exc.message}{' (' + details + ')' if details else ''}"


def _provenance(ctx: Context, rec: RemoteRecord, digest: str) -> Provenance:
    return Provenance(
        harvest_source_id=ctx.source_id,
        remote_id=rec.remote_id,
        remote_uri=rec.remote_uri,
        remote_modified=rec.modified,
        content_hash=digest,
    )


def _wanted_id(rec: RemoteRecord) -> str | None:
    """The remote id as our id when it is a UUID (canonical form); any other remote id stays
    the record's remote key (harvest_record, dataset.remote_id) and we assign an id."""
    return canonical_uuid(rec.wanted_id) if rec.wanted_id else None


def _create(
    session: Session,
    ctx: Context,
    page: PageState,
    rec: RemoteRecord,
    data: DatasetCreate,
    digest: str,
) -> Outcome:
    wanted_id = _wanted_id(rec)
    if wanted_id is not None and wanted_id in page.owners:
        owner = page.owners[wanted_id]
        named = f" ({owner})" if owner else ""
        return Outcome(
            "skipped",
            message=f"a dataset with the same id already exists here{named}: not duplicated",
        )
    data = data.model_copy(update={"name": _free_name(session, page, data.name)})
    out, dropped = _repairing(
        session,
        data,
        lambda d: datasets.create_dataset(
            session, HARVESTER, d, dataset_id=wanted_id, provenance=_provenance(ctx, rec, digest)
        ),
    )
    page.new_records.append(
        {
            "source_id": ctx.source_id,
            "remote_key": rec.key,
            "remote_id": rec.remote_id,
            "remote_uri": rec.remote_uri,
            "identifier": rec.identifier,
            "dataset_id": out.id,
            "content_hash": digest,
            "remote_modified": rec.modified,
        }
    )
    notes = [f"refused values: {'; '.join(dropped)}"] if dropped else []
    if rec.wanted_id and wanted_id is None:
        notes.append(f"remote id {rec.wanted_id!r} is not a UUID: kept as the remote key")
    return Outcome("added", out.id, out.name, "; ".join(notes))


def _update(
    session: Session,
    ctx: Context,
    page: PageState,
    rec: RemoteRecord,
    data: DatasetCreate,
    digest: str,
    record: HarvestRecord,
    state: tuple[str, str, list[str]],
) -> Outcome:
    current_state, current_name, local_fields = state
    local = {OUTPUT_TO_INPUT.get(f, f) for f in local_fields}
    values = {k: getattr(data, k) for k in DatasetFields.model_fields if k not in local}
    if values.get("resources") is None:
        values.pop("resources", None)  # the source says nothing about resources: keep ours
    if "state" in local and current_state == "deleted":
        values.pop("state", None)  # an editor withdrew it here: the harvest does not undo that
    else:
        values["state"] = data.state or "active"
    values["name"] = (
        current_name if "name" in local else _free_name(session, page, data.name, current_name)
    )
    patch = DatasetPatch(**values)
    dataset_id = record.dataset_id
    assert dataset_id is not None
    out, dropped = _repairing(
        session,
        patch,
        lambda p: datasets.update_dataset(
            session,
            HARVESTER,
            dataset_id,
            p,
            mode="patch",
            provenance=_provenance(ctx, rec, digest),
        ),
    )
    restored = record.status == "deleted" and out.state == "active"
    record.content_hash = digest
    record.status = "active"
    record.remote_modified = rec.modified
    record.remote_uri = rec.remote_uri
    record.identifier = rec.identifier
    record.last_changed = utcnow()
    notes = ["restored: it is back at the source"] if restored else []
    if local:
        notes.append(f"kept local edits: {', '.join(sorted(local))}")
    if dropped:
        notes.append(f"refused values: {'; '.join(dropped)}")
    return Outcome("updated", out.id, out.name, "; ".join(notes))


def import_record(
    session: Session, ctx: Context, page: PageState, rec: RemoteRecord
) -> Outcome | None:
    notes: list[str] = []
    outcome = _import_one(session, ctx, page, rec, notes)
    if outcome is not None and notes:
        outcome.message = "; ".join([*notes, outcome.message] if outcome.message else notes)
    return outcome


def _import_one(
    session: Session, ctx: Context, page: PageState, rec: RemoteRecord, notes: list[str]
) -> Outcome | None:
    ctx.seen.add(rec.key)
    record = page.records.get(rec.key)
    if rec.tombstone:
        if record is not None and record.status == "active" and record.dataset_id:
            ctx.tombstones[rec.key] = rec.url
        return None  # reported when deletions are applied, after the threshold check
    ctx.tombstones.pop(rec.key, None)  # a later upsert wins over an earlier tombstone
    if rec.error is not None or rec.data is None:
        return Outcome("errored", message=rec.error or "no data")
    if rec.modified is not None and (ctx.watermark is None or rec.modified > ctx.watermark):
        ctx.watermark = rec.modified
    try:
        data = prepare(session, ctx, rec, rec.data, notes)
        digest = content_hash(data)
        state = page.states.get(record.dataset_id) if record and record.dataset_id else None
        if record is not None and state is not None:
            if record.status == "active" and record.content_hash == digest:
                return Outcome("unchanged", record.dataset_id, state[1])
            return _update(session, ctx, page, rec, data, digest, record, state)
        if record is not None:
            session.delete(record)  # its dataset was purged here: start afresh
            session.flush()
        duplicate = repo.duplicate_of(session, ctx.source_id, rec.remote_uri, rec.identifier)
        if duplicate is not None:
            other = repo.source_name(session, duplicate.source_id)
            return Outcome(
                "skipped",
                duplicate.dataset_id,
                message=f"same URI/identifier as a dataset harvested from source {other}: "
                "not duplicated",
            )
        return _create(session, ctx, page, rec, data, digest)
    except AppError as exc:
        return Outcome("errored", message=_error_text(exc))
    except IntegrityError as exc:
        return Outcome("errored", message=f"conflicts with data already here: {exc.orig}")


def _page_state(session: Session, ctx: Context, records: list[RemoteRecord]) -> PageState:
    known = repo.records_by_key(session, ctx.source_id, [r.key for r in records])
    dataset_ids = [r.dataset_id for r in known.values() if r.dataset_id]
    # Rows first, then (in the dataset service) the feed-order lock: the order web requests
    # take them in, so the two cannot deadlock.
    repo.lock_datasets(session, dataset_ids)
    fresh = [r for r in records if r.key not in known or known[r.key].dataset_id is None]
    wanted_ids = [i for i in (_wanted_id(r) for r in fresh) if i]
    names = [r.data.name for r in records if r.data is not None and r.data.name]
    return PageState(
        records=known,
        states=repo.dataset_states(session, dataset_ids),
        owners=repo.dataset_names(session, wanted_ids),
        taken=repo.names_taken(session, names),
    )


def checkpoint(ctx: Context, page: Page) -> Callable[[], None]:
    """A function that puts `ctx` back as it was before `page` (its writes rolled back)."""
    keys = {rec.key for rec in page.records}
    unseen = keys - ctx.seen
    tombstones = {k: ctx.tombstones[k] for k in keys if k in ctx.tombstones}
    stats, watermark = dict(ctx.stats), ctx.watermark

    def restore() -> None:
        ctx.seen.difference_update(unseen)
        for key in keys:
            ctx.tombstones.pop(key, None)
        ctx.tombstones.update(tombstones)
        ctx.stats, ctx.watermark = dict(stats), watermark

    return restore


def import_page(session: Session, ctx: Context, page: Page) -> None:
    """Import a page in the caller's transaction. The page's history rows (change-feed
    entries), search-index updates and read-model rows are written in bulk at its end
    (`history.batched`), inside one savepoint; should that bulk write hit a conflict nobody
    checked for (IntegrityError), the savepoint is rolled back and the page imported again
    record by record, where each record's own savepoint turns a conflict into that record's
    error instead of the page's."""
    restore = checkpoint(ctx, page)
    try:
        with session.begin_nested(), history.batched(session):
            _import_page(session, ctx, page)
    except IntegrityError:
        restore()
        _import_page(session, ctx, page)


def _import_page(session: Session, ctx: Context, page: Page) -> None:
    latest: dict[str, RemoteRecord] = {}
    for rec in page.records:
        latest.pop(rec.key, None)
        latest[rec.key] = rec
    state = _page_state(session, ctx, list(latest.values()))
    rows: list[dict[str, Any]] = []
    for rec in latest.values():
        outcome = import_record(session, ctx, state, rec)
        if outcome is None:
            continue
        ctx.count(outcome.status)
        if rec.notes:
            outcome.message = "; ".join([m for m in (outcome.message, *rec.notes) if m])
        rows.append(
            {
                "remote_key": rec.key,
                "remote_url": rec.url,
                "dataset_id": outcome.dataset_id,
                "dataset_name": outcome.dataset_name,
                "status": outcome.status,
                "message": outcome.message,
            }
        )
    repo.add_records(session, state.new_records)
    repo.add_objects(session, ctx.job_id, rows)
