"""Resources (distributions) of a dataset.

Every resource write locks the dataset row first and bumps its revision, so two concurrent
resource_create calls queue instead of one overwriting the other's list (a CKAN bug).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import DATASET_EDITOR, can_read_dataset, require_role
from app.common.validate import FieldErrors
from app.datasets import history
from app.datasets import repository as repo
from app.datasets.assemble import check_resource, vocabulary
from app.datasets.convert import dataset_out, resource_out
from app.datasets.schemas import DatasetOut, ResourceIn, ResourceOut, ResourcePatch
from app.errors import Invalid, NotFound
from app.models import Dataset, Resource
from app.timeutil import to_naive_utc, utcnow


def _fill(
    session: Session,
    res: Resource,
    data: ResourceIn | ResourcePatch,
    errors: FieldErrors,
    prefix: str,
) -> None:
    sent = (
        data.model_fields_set if isinstance(data, ResourcePatch) else set(ResourceIn.model_fields)
    )
    # Text arrives as plain text: the schema types (app.common.text) clean it.
    for key in ("name", "format", "mimetype", "hash", "language", "description"):
        if key in sent:
            setattr(res, key, getattr(data, key) or "")
    for key in ("url", "download_url"):
        if key in sent:
            setattr(res, key, getattr(data, key) or "")
    if "size" in sent:
        res.size = data.size
    if "last_modified" in sent:
        res.last_modified = to_naive_utc(data.last_modified) if data.last_modified else None
    if "extras" in sent:
        res.extras = dict(data.extras or {})
    if "license_id" in sent:
        ref = (data.license_id or "").strip() or None
        lic_id = vocabulary(session).license(ref) if ref else None
        if ref is not None and lic_id is None:
            errors.add(f"{prefix}license_id", f"Unknown licence {ref!r}: see /api/v1/licenses")
        res.license_id = lic_id
    check = ResourceIn(url=res.url, download_url=res.download_url, language=res.language)
    check_resource(check, errors, prefix)
    res.format = res.format.upper() if len(res.format) <= 10 else res.format
    res.metadata_modified = utcnow()


def replace_resources(
    session: Session, ds: Dataset, items: list[ResourceIn], errors: FieldErrors
) -> None:
    """Make the dataset's resources exactly `items` (matched by id), in that order."""
    existing = {r.id: r for r in ds.resources}
    # Ids sent that are not this dataset's: one query for all (another dataset's resource id
    # is refused below, as resource_create refuses it: the insert would break the primary key).
    asked = {item.id for item in items if item.id and item.id not in existing}
    with session.no_autoflush:
        elsewhere = repo.resource_ids_among(session, asked)
    result: list[Resource] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        if item.id and item.id in seen:
            errors.add(f"resources__{position}__id", "The same resource id is given twice")
            continue
        if item.id:
            seen.add(item.id)
        res = existing.get(item.id) if item.id else None
        if res is None:
            if item.id and item.id in elsewhere:
                errors.add(f"resources__{position}__id", "A resource with this id already exists")
                continue
            res = Resource(
                extras={}, created=to_naive_utc(item.created) if item.created else utcnow()
            )
            if item.id:
                res.id = item.id
        _fill(session, res, item, errors, f"resources__{position}__")
        res.position = position
        result.append(res)
    ds.resources = result


def _writable(session: Session, actor: Actor, dataset_ref: str) -> Dataset:
    ds = repo.get(session, dataset_ref, for_update=True)
    if ds is None or not can_read_dataset(actor, ds.owner_org, ds.private, ds.state):
        raise NotFound(f"Dataset {dataset_ref!r} not found")
    require_role(actor, ds.owner_org, DATASET_EDITOR, f"edit dataset {ds.name}")
    return ds


def _writable_of_resource(session: Session, actor: Actor, resource_id: str) -> Dataset:
    """The dataset holding the resource, for writing; a resource of a dataset the actor can't
    read is not found as a resource (the message must not name its dataset)."""
    dataset_id = find_dataset_of_resource(session, resource_id)
    ds = repo.get(session, dataset_id, for_update=True) if dataset_id else None
    if ds is None or not can_read_dataset(actor, ds.owner_org, ds.private, ds.state):
        raise NotFound(f"Resource {resource_id!r} not found")
    require_role(actor, ds.owner_org, DATASET_EDITOR, f"edit dataset {ds.name}")
    return ds


def _commit_change(session: Session, actor: Actor, ds: Dataset, before: DatasetOut) -> None:
    ds.metadata_modified = utcnow()
    ds.revision += 1
    session.flush()
    history.record(session, actor, "changed", before, dataset_out(ds))


def _find(ds: Dataset, resource_id: str) -> Resource:
    for res in ds.resources:
        if res.id == resource_id:
            return res
    raise NotFound(f"Resource {resource_id!r} not found")


def find_dataset_of_resource(session: Session, resource_id: str) -> str | None:
    res = session.get(Resource, resource_id)
    return res.dataset_id if res is not None else None


def get_resource(session: Session, actor: Actor, resource_id: str) -> ResourceOut:
    dataset_id = find_dataset_of_resource(session, resource_id)
    ds = repo.get(session, dataset_id) if dataset_id else None
    if ds is None or not can_read_dataset(actor, ds.owner_org, ds.private, ds.state):
        raise NotFound(f"Resource {resource_id!r} not found")
    return resource_out(_find(ds, resource_id))


def create_resource(
    session: Session, actor: Actor, dataset_ref: str, data: ResourceIn
) -> ResourceOut:
    ds = _writable(session, actor, dataset_ref)
    before = dataset_out(ds)
    errors = FieldErrors()
    res = Resource(extras={}, created=utcnow(), position=len(ds.resources))
    if data.id:
        if session.get(Resource, data.id) is not None:
            errors.add("id", "A resource with this id already exists")
        res.id = data.id
    _fill(session, res, data, errors, "")
    if errors:
        raise Invalid("The resource is not valid: see the message for each field", errors.fields)
    ds.resources.append(res)
    _commit_change(session, actor, ds, before)
    return resource_out(res)


def update_resource(
    session: Session, actor: Actor, resource_id: str, data: ResourceIn | ResourcePatch
) -> ResourceOut:
    """ResourceIn replaces the resource's fields; ResourcePatch changes the ones sent."""
    ds = _writable_of_resource(session, actor, resource_id)
    res = _find(ds, resource_id)
    before = dataset_out(ds)
    errors = FieldErrors()
    _fill(session, res, data, errors, "")
    if errors:
        raise Invalid("The resource is not valid: see the message for each field", errors.fields)
    _commit_change(session, actor, ds, before)
    return resource_out(res)


def delete_resource(session: Session, actor: Actor, resource_id: str) -> None:
    ds = _writable_of_resource(session, actor, resource_id)
    before = dataset_out(ds)
    res = _find(ds, resource_id)
    ds.resources.remove(res)
    for position, other in enumerate(ds.resources):
        other.position = position
    _commit_change(session, actor, ds, before)
