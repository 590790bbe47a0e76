"""Dataset rules: create, read, update (replace and patch), delete (soft), purge, history.

Every surface calls these functions; authorisation is checked here, once.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import (
    DATASET_EDITOR,
    can_read_dataset,
    require_authenticated,
    require_role,
    require_sysadmin,
)
from app.accounts.visibility import activity_view, sees_hidden_states
from app.catalog import references
from app.common.validate import FieldErrors, check_dataset_id, check_dataset_name
from app.datasets import history
from app.datasets import repository as repo
from app.datasets.assemble import apply_fields, fields_to_apply
from app.datasets.convert import dataset_out
from app.datasets.resources import replace_resources
from app.datasets.schemas import (
    DatasetCreate,
    DatasetOut,
    DatasetPage,
    DatasetPatch,
    DatasetUpdate,
    Provenance,
)
from app.errors import Conflict, Invalid, NotFound, PreconditionFailed
from app.models import Dataset, DatasetActivity, Organization
from app.organizations import repository as org_repo
from app.timeutil import to_naive_utc, utcnow

MAX_LIMIT = 1000


def _org_resolver(session: Session, actor: Actor) -> Any:
    def resolve(ref: str | None, errors: FieldErrors) -> Organization | None:
        if not ref:
            errors.add("owner_org", "Missing value: every dataset belongs to an organisation")
            return None
        org = references.organization(session, ref)
        if org is None:
            errors.add("owner_org", f"Organization {ref!r} does not exist")
            return None
        require_role(actor, org.id, "editor", f"create or move datasets in {org.name}")
        return org

    return resolve


def _load_visible(session: Session, actor: Actor, ref: str, *, for_update: bool = False) -> Dataset:
    ds = repo.get(session, ref, for_update=for_update)
    if ds is None or not can_read_dataset(actor, ds.owner_org, ds.private, ds.state):
        # Private datasets are indistinguishable from missing ones to outsiders.
        raise NotFound(f"Dataset {ref!r} not found")
    return ds


def get_dataset(
    session: Session, actor: Actor, ref: str, *, for_update: bool = False
) -> DatasetOut:
    """The dataset as `actor` may see it; `for_update` reads it under the row lock (PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises writers), for read-modify-write callers such
    as package_patch, so that a concurrent writer's change is never read stale and lost."""
    return dataset_out(_load_visible(session, actor, ref, for_update=for_update))


def _generated_name(session: Session, org: Organization) -> str:
    """e-Gov style `{org}_{YYYYMMDD}_{NNNN}`: never munged from a Japanese title."""
    prefix = f"{org.name}_{utcnow():%Y%m%d}_"
    return f"{prefix}{repo.next_serial(session, prefix):04d}"


def _check_revision(ds: Dataset, if_match: int | None) -> None:
    if if_match is not None and if_match != ds.revision:
        raise PreconditionFailed(
            f"Dataset {ds.name} has changed (revision {ds.revision}, you sent {if_match}): "
            "reload it and apply your change again"
        )


def _touch(ds: Dataset) -> None:
    ds.metadata_modified = utcnow()
    ds.revision = (ds.revision or 0) + 1


def _apply_provenance(ds: Dataset, provenance: Provenance | None) -> None:
    """Mark a dataset as harvested (the harvester's hook; other callers pass None)."""
    if provenance is None:
        return
    ds.origin = "harvest"
    for key, value in provenance.model_dump().items():
        setattr(ds, key, value)


def _chosen_id(
    session: Session, actor: Actor, dataset_id: str, name: str | None
) -> tuple[str, set[str]]:
    """A dataset id the caller asks for (CKAN's `id` on package_create), and which of it and
    the requested `name` are taken already (one query for both checks).

    As in CKAN, only sysadmins choose ids (the harvester acts as one, for remote ids); the id
    must be a UUID (kept in canonical form) that no dataset has as id or name.
    """
    if not actor.sysadmin:
        raise Invalid(
            "Only a sysadmin may choose a dataset's id: leave id out and one is assigned",
            {"id": ["Only a sysadmin may choose a dataset's id"]},
        )
    errors = FieldErrors()
    chosen = check_dataset_id(errors, "id", dataset_id)
    if chosen is None:
        raise Invalid("The dataset id is not valid", errors.fields)
    taken = repo.taken_among(session, {chosen} if name is None else {chosen, name})
    if chosen in taken:
        raise Conflict(f"Dataset id {chosen} already exists", {"id": ["Already exists"]})
    return chosen, taken


def create_dataset(
    session: Session,
    actor: Actor,
    data: DatasetCreate,
    *,
    dataset_id: str | None = None,
    provenance: Provenance | None = None,
) -> DatasetOut:
    require_authenticated(actor)
    errors = FieldErrors()
    ds = Dataset(
        tags=[], categories=[], measures=[], resources=[], extras={}, local_fields=[], revision=1
    )
    taken: set[str] | None = None
    if dataset_id is not None:
        ds.id, taken = _chosen_id(session, actor, dataset_id, data.name)
    apply_fields(
        session, ds, fields_to_apply(data, "create"), errors, _org_resolver(session, actor)
    )
    if data.name is not None:
        check_dataset_name(errors, "name", data.name)
        if not errors.fields.get("name") and (
            data.name in taken if taken is not None else repo.name_taken(session, data.name)
        ):
            errors.add("name", "That URL is already in use.")
    if data.resources:
        replace_resources(session, ds, data.resources, errors)
    if errors:
        raise Invalid("The dataset is not valid: see the message for each field", errors.fields)
    if not ds.title:
        ds.title = data.name or ""
    ds.creator_user_id = actor.user_id
    now = utcnow()
    ds.metadata_created = now
    ds.metadata_modified = now
    ds.name = data.name or _generated_name(session, ds.organization)
    _apply_provenance(ds, provenance)
    _flush_new(session, ds, generated=data.name is None)
    if not ds.title:
        ds.title = ds.name
    out = dataset_out(ds)
    history.record(session, actor, "new", None, out)
    return out


# Each failed attempt means another writer committed the number drawn (on PostgreSQL the insert
# waits for that writer's commit), so among k writers drawing at once the last needs k tries;
# the request gate admits `db_sessions` (16 by default) writers per process.
GENERATED_NAME_ATTEMPTS = 40


def _flush_new(session: Session, ds: Dataset, *, generated: bool) -> None:
    """Add and insert `ds`, retrying a generated name if a concurrent writer took the same
    number."""
    if not generated:
        # The name was checked above; only a concurrent writer can still take it. No savepoint:
        # it snapshots the whole session, which made every create in a batch slower.
        session.add(ds)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict("That URL is already in use.", {"name": ["Already in use"]}) from exc
        return
    for _attempt in range(GENERATED_NAME_ATTEMPTS):
        try:
            # Added inside the savepoint: `begin_nested` flushes what is pending before it sets
            # the savepoint, so a dataset added before it would hit a taken name outside the
            # savepoint and abort the whole transaction (a 500 on PostgreSQL when concurrent
            # creates drew the same number). Rolled back, the dataset is transient again.
            with session.begin_nested():
                session.add(ds)
                session.flush()
            return
        except IntegrityError as exc:
            if not generated or not repo.name_taken(session, ds.name):
                raise Conflict("That URL is already in use.", {"name": ["Already in use"]}) from exc
            ds.name = _generated_name(session, ds.organization)
    raise Conflict("Could not generate a free dataset name; give one explicitly")


def update_dataset(
    session: Session,
    actor: Actor,
    ref: str,
    data: DatasetUpdate | DatasetPatch,
    *,
    mode: str,
    if_match: int | None = None,
    provenance: Provenance | None = None,
) -> DatasetOut:
    """mode "replace" (CKAN package_update, PUT) or "patch" (package_patch, PATCH)."""
    ds = _load_visible(session, actor, ref, for_update=True)
    require_role(actor, ds.owner_org, DATASET_EDITOR, f"edit dataset {ds.name}")
    _check_revision(ds, if_match)
    before = dataset_out(ds)
    errors = FieldErrors()
    values = fields_to_apply(data, "patch" if mode == "patch" else "replace")
    apply_fields(session, ds, values, errors, _org_resolver(session, actor))
    if data.name is not None and data.name != ds.name:
        check_dataset_name(errors, "name", data.name)
        if not errors.fields.get("name") and repo.name_taken(session, data.name, ds.id):
            errors.add("name", "That URL is already in use.")
        ds.name = data.name
    if "resources" in values and values["resources"] is not None:
        replace_resources(session, ds, values["resources"], errors)
    if errors:
        raise Invalid("The dataset is not valid: see the message for each field", errors.fields)
    if not ds.title:
        ds.title = ds.name
    if ds.state != "deleted":
        ds.deleted_at = None  # restored (state set back to active or draft)
    _apply_provenance(ds, provenance)
    return _finish_change(session, actor, ds, before)


def _finish_change(
    session: Session, actor: Actor, ds: Dataset, before: DatasetOut, activity: str = "changed"
) -> DatasetOut:
    _touch(ds)
    session.flush()
    after = dataset_out(ds)
    changes = history.diff(before.model_dump(mode="json"), after.model_dump(mode="json"))
    if ds.origin == "harvest" and actor.name != "harvester":
        # Fields an editor changed locally survive the next harvest.
        ds.local_fields = sorted(set(ds.local_fields or []) | set(changes) - {"local_fields"})
        after = dataset_out(ds)
    history.record(session, actor, activity, before, after)
    return after


def delete_dataset(session: Session, actor: Actor, ref: str) -> DatasetOut:
    """Soft delete: the dataset disappears from lists and feeds but can be restored or purged."""
    ds = _load_visible(session, actor, ref, for_update=True)
    require_role(actor, ds.owner_org, DATASET_EDITOR, f"delete dataset {ds.name}")
    if ds.state == "deleted":
        return dataset_out(ds)
    before = dataset_out(ds)
    ds.state = "deleted"
    ds.deleted_at = utcnow()
    return _finish_change(session, actor, ds, before, "deleted")


def purge_dataset(session: Session, actor: Actor, ref: str) -> None:
    require_sysadmin(actor, "purge datasets")
    ds = repo.get(session, ref, for_update=True)
    if ds is None:
        raise NotFound(f"Dataset {ref!r} not found")
    last = dataset_out(ds)
    last.state = "deleted"
    history.record(session, actor, "purged", last, last)
    session.delete(ds)
    session.flush()


def activity_list(
    session: Session, actor: Actor, ref: str, *, limit: int = 31, offset: int = 0
) -> list[DatasetActivity]:
    """The dataset's history as the actor may see it, newest first (app.accounts.visibility):
    outsiders get only what was recorded while it was public, and no diff whose old values
    come from a private or draft period (`changes` is then empty). Returned activities are
    detached copies: never write them back."""
    ds = _load_visible(session, actor, ref)
    insider = sees_hidden_states(actor, ds.owner_org)
    rows = history.for_dataset(session, ds.id, min(limit, 100), offset, public_only=not insider)
    shown: list[DatasetActivity] = []
    for activity, was_public in rows:
        view = activity_view(actor, ds.owner_org, activity.public, was_public)
        if view == "hidden":
            continue
        if view == "without_diff":
            session.expunge(activity)
            activity.changes = {}
        shown.append(activity)
    return shown


def encode_cursor(ds: DatasetOut) -> str:
    raw = json.dumps([ds.metadata_modified.isoformat(), ds.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, last_id = json.loads(base64.urlsafe_b64decode(padded))
        return to_naive_utc(datetime.fromisoformat(when)), str(last_id)
    except (ValueError, TypeError) as exc:
        raise Invalid(
            "Bad cursor: pass back the next_cursor of a previous page", {"cursor": ["Invalid"]}
        ) from exc


def list_datasets(
    session: Session,
    actor: Actor,
    *,
    organization: str | None = None,
    q: str | None = None,
    category: str | None = None,
    measure: str | None = None,
    tag: str | None = None,
    modified_since: datetime | None = None,
    page: int = 1,
    limit: int = 20,
    cursor: str | None = None,
) -> DatasetPage:
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", {"limit": ["Out of range"]})
    if page < 1:
        raise Invalid("page starts at 1", {"page": ["Out of range"]})
    org_id: str | None = None
    if organization:
        org = org_repo.by_ref(session, organization)
        if org is None:
            raise NotFound(f"Organization {organization!r} not found")
        org_id = org.id
    stmt = repo.list_query(
        actor,
        organization_id=org_id,
        q=q,
        category=category,
        measure=measure,
        tag=tag,
        modified_since=modified_since,
    )
    after = decode_cursor(cursor) if cursor else None
    rows = repo.page(session, stmt, offset=(page - 1) * limit, limit=limit, after=after)
    items = [dataset_out(d) for d in rows]
    next_cursor = encode_cursor(items[-1]) if len(items) == limit else None
    return DatasetPage(total=repo.count(session, stmt), items=items, next_cursor=next_cursor)
