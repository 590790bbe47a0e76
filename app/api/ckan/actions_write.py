"""Write actions of the Action API: datasets, resources, organisation members.

CKAN dicts are read with `app.datasets.ckan_input` and written through the dataset and
resource services, so every rule (validation, authorisation, history, row locks) is the one the
native API and the web pages use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.accounts import service as account_service
from app.accounts.permissions import require_authenticated
from app.api.ckan.package_dict import package_dict, resource_dict
from app.api.ckan.params import get_bool, get_str, require
from app.api.ckan.registry import Action, ActionContext
from app.catalog import references
from app.datasets import resources as resource_service
from app.datasets import service as dataset_service
from app.datasets.ckan_input import PROMOTED_EXTRAS, from_ckan, resource_from_ckan
from app.datasets.schemas import DatasetUpdate, ResourceIn, ResourcePatch
from app.errors import Invalid
from app.organizations import service as org_service

# Keys that steer an action and are not part of the dataset (from_ckan would keep them as extras).
CONTROL_KEYS = ("return_id_only", "return_package_dict", "context", "__extras", "__junk")

M = TypeVar("M", bound=BaseModel)


def _validated(model: Callable[[], M]) -> M:
    """Build a pydantic model, turning its errors into CKAN's per-field Validation Error."""
    try:
        return model()
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "body"
            fields.setdefault(key, []).append(err["msg"])
        raise Invalid("The input is not valid: see the message for each field", fields) from exc


def _package_input(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in CONTROL_KEYS}


def _resource_input(data: dict[str, Any]) -> ResourceIn:
    pkg_free = {k: v for k, v in data.items() if k not in ("package_id", *CONTROL_KEYS)}
    return _validated(lambda: resource_from_ckan(pkg_free))


def package_create(ctx: ActionContext, data: dict[str, Any]) -> Any:
    """Create a dataset from a CKAN package dict; returns the new package dict.

    Our additional fields may be given as top-level keys or as extras; groups may name
    categories and measures (ids such as 02-22).

    :param id: sysadmins only: a UUID no dataset has as id or name (others leave it out)
    """
    require_authenticated(ctx.actor)
    create, wanted_id = from_ckan(_with_owner(ctx, _package_input(data)))
    out = dataset_service.create_dataset(ctx.session, ctx.actor, create, dataset_id=wanted_id)
    return out.id if get_bool(data, "return_id_only", False) else package_dict(out)


def _with_owner(ctx: ActionContext, pkg: dict[str, Any]) -> dict[str, Any]:
    """The dict with an owner_org we know, when only its embedded organisation is known here."""
    owner = references.package_owner(ctx.session, pkg)
    return pkg if owner is None else {**pkg, "owner_org": owner}


def _replace(ctx: ActionContext, ref: str, pkg: dict[str, Any]) -> dict[str, Any]:
    create, _wanted_id = from_ckan(_with_owner(ctx, pkg))
    update = _validated(lambda: DatasetUpdate(**create.model_dump(exclude_unset=True)))
    out = dataset_service.update_dataset(ctx.session, ctx.actor, ref, update, mode="replace")
    return package_dict(out)


def package_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset's fields with the dict given (resources are kept when left out).

    :param id: the dataset's id or name (or `name` alone)
    """
    require_authenticated(ctx.actor)
    ref = require(data, "id", "name")
    return _replace(ctx, ref, _package_input(data))


def package_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the keys given; the rest of the dataset stays as it is.

    :param id: the dataset's id or name
    """
    require_authenticated(ctx.actor)
    ref = require(data, "id", "name")
    patch = _package_input(data)
    # Read under the row lock: the merge must start from the latest committed version.
    current = dataset_service.get_dataset(ctx.session, ctx.actor, ref, for_update=True)
    merged = package_dict(current)
    # Resources left out stay untouched (sending them back would rewrite every one).
    merged.pop("resources", None)
    _let_patch_win(merged, patch)
    merged.update(patch)
    return _replace(ctx, merged["id"], merged)


def _let_patch_win(merged: dict[str, Any], patch: dict[str, Any]) -> None:
    """Our fields live twice in a package dict; drop the current copy the patch overrides.

    from_ckan prefers a top-level key over an extra and unites `measures` with measure
    groups, so without this an extra or a groups list in the patch would be outvoted.
    """
    patched_extras = {str(e.get("key")) for e in patch.get("extras") or [] if isinstance(e, dict)}
    for key in (*PROMOTED_EXTRAS, "measures"):
        if key in patched_extras and key not in patch:
            merged.pop(key, None)
    if "groups" in patch and "measures" not in patch:
        merged.pop("measures", None)
        if "extras" not in patch:
            merged["extras"] = [e for e in merged["extras"] if e["key"] != "measures"]
    if "measures" in patch and "groups" not in patch:
        merged["groups"] = [g for g in merged["groups"] if g["type"] != "measure"]


def package_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Withdraw a dataset (soft delete: it can still be purged by a sysadmin).

    :param id: the dataset's id or name
    """
    require_authenticated(ctx.actor)
    dataset_service.delete_dataset(ctx.session, ctx.actor, require(data, "id"))


def dataset_purge(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a dataset for good (sysadmins only); its history and tombstone remain.

    :param id: the dataset's id or name
    """
    require_authenticated(ctx.actor)
    dataset_service.purge_dataset(ctx.session, ctx.actor, require(data, "id"))


def resource_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Append a resource to a dataset; concurrent calls queue on the dataset's row lock.

    :param package_id: the dataset's id or name
    """
    require_authenticated(ctx.actor)
    package_ref = require(data, "package_id")
    res = resource_service.create_resource(
        ctx.session, ctx.actor, package_ref, _resource_input(data)
    )
    return resource_dict(res)


def resource_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a resource's fields with the dict given.

    :param id: the resource id
    """
    require_authenticated(ctx.actor)
    resource_id = require(data, "id")
    res = resource_service.update_resource(
        ctx.session, ctx.actor, resource_id, _resource_input(data)
    )
    return resource_dict(res)


def resource_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the resource fields given (extras given are merged into the current ones).

    :param id: the resource id
    """
    require_authenticated(ctx.actor)
    resource_id = require(data, "id")
    current = resource_service.get_resource(ctx.session, ctx.actor, resource_id)
    given = _resource_input(data)
    values = {
        k: getattr(given, k)
        for k in given.model_fields_set
        if k in ResourcePatch.model_fields and k != "extras"
    }
    if given.extras:
        values["extras"] = {**current.extras, **given.extras}
    patch = _validated(lambda: ResourcePatch(**values))
    res = resource_service.update_resource(ctx.session, ctx.actor, resource_id, patch)
    return resource_dict(res)


def resource_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a resource from its dataset.

    :param id: the resource id
    """
    require_authenticated(ctx.actor)
    resource_service.delete_resource(ctx.session, ctx.actor, require(data, "id"))


def organization_member_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Make a user a member, editor or admin of an organisation (organisation admins only).

    :param id: the organisation's id or name; :param username: the user's name or id
    :param role: member, editor or admin
    """
    require_authenticated(ctx.actor)
    org_ref = require(data, "id")
    username = require(data, "username")
    role = get_str(data, "role", required=True) or ""
    member = account_service.set_member(ctx.session, ctx.actor, org_ref, username, role)
    org = org_service.get_organization(ctx.session, org_ref)
    return {
        "table_name": "user",
        "table_id": member.user,
        "group_id": org.id,
        "capacity": member.role,
        "state": "active",
    }


ACTIONS: dict[str, Action] = {
    fn.__name__: Action(fn, read=False)
    for fn in (
        package_create,
        package_update,
        package_patch,
        package_delete,
        dataset_purge,
        resource_create,
        resource_update,
        resource_patch,
        resource_delete,
        organization_member_create,
    )
}
