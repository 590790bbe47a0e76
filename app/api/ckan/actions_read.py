"""Read actions of the Action API (package_search lives in package_search.py).

Each action takes CKAN's data_dict, calls the services (which check who may see what) and
returns CKAN's shapes. Parameters CKAN clients send that have no meaning here are accepted and
ignored, as CKAN ignores unknown keys in these actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.accounts.actor import ANONYMOUS
from app.api.ckan import repository as ckan_repo
from app.api.ckan.group_dict import category_dict, license_dict, measure_dict, organization_dict
from app.api.ckan.package_dict import activity_dict, package_dict, resource_dict
from app.api.ckan.params import get_bool, get_int, get_list, get_str, require
from app.api.ckan.registry import Action, ActionContext
from app.catalog import service as catalog_service
from app.datasets import resources as resource_service
from app.datasets import service as dataset_service
from app.datasets.convert import dataset_out
from app.errors import Invalid, NotFound
from app.measures import service as measure_service
from app.organizations import service as org_service

CKAN_VERSION = "2.10.4"
# include_datasets on organization_show / group_show: CKAN's truncated list.
SHOW_DATASETS_LIMIT = 1000
# all_fields lists cost a dict per row: CKAN's default page for them.
ALL_FIELDS_DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
SORT_KEYS = ("name", "title", "package_count")


def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    """
    ref = require(data, "id", "name_or_id")
    return package_dict(dataset_service.get_dataset(ctx.session, ctx.actor, ref))


def package_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the names of the site's public, active datasets, sorted by name.

    :param limit: page size (optional, default: all)
    :param offset: where the page starts (optional, default 0)
    """
    limit = data.get("limit")
    return ckan_repo.public_names(
        ctx.session,
        get_int(data, "offset", 0),
        get_int(data, "limit", 0, minimum=1) if limit not in (None, "") else None,
    )


def current_package_list_with_resources(
    ctx: ActionContext, data: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return datasets with their resources, most recently modified first.

    :param limit: page size (optional, default 10, at most 1000)
    :param offset: where the page starts (optional, default 0)
    :param include_private: include private datasets the user may see (default false)
    """
    actor = ctx.actor if get_bool(data, "include_private", False) else ANONYMOUS
    rows = ckan_repo.recently_modified(
        ctx.session,
        actor,
        get_int(data, "offset", 0),
        get_int(data, "limit", 10, minimum=1, maximum=MAX_LIMIT),
    )
    return [package_dict(dataset_out(d)) for d in rows]


def _sorter(data: dict[str, Any], default: str) -> tuple[str, bool]:
    text = (get_str(data, "sort") or default).strip()
    key, _, direction = text.partition(" ")
    direction = direction.strip().lower() or "asc"
    if key not in SORT_KEYS or direction not in ("asc", "desc"):
        raise Invalid(
            "Cannot sort by that",
            {"sort": [f"Use one of {', '.join(SORT_KEYS)} followed by asc or desc"]},
        )
    return key, direction == "desc"


def _page(data: dict[str, Any], items: list[Any], all_fields: bool) -> list[Any]:
    default = ALL_FIELDS_DEFAULT_LIMIT if all_fields else None
    limit: int | None
    if data.get("limit") in (None, ""):
        limit = default
    else:
        limit = get_int(data, "limit", 0, minimum=0, maximum=None if not all_fields else MAX_LIMIT)
    offset = get_int(data, "offset", 0)
    return items[offset:] if limit is None else items[offset : offset + limit]


def _list_groups(
    data: dict[str, Any],
    dicts: list[dict[str, Any]],
    default_sort: str | None,
) -> list[Any]:
    wanted = set(get_list(data, "organizations") + get_list(data, "groups"))
    if wanted:
        dicts = [d for d in dicts if d["name"] in wanted or d["id"] in wanted]
    query = (get_str(data, "q") or "").strip()
    if query:
        dicts = [d for d in dicts if query in d["name"] or query in d["title"]]
    if data.get("sort") or default_sort:
        key, reverse = _sorter(data, default_sort or "name asc")
        dicts = sorted(dicts, key=lambda d: (d[key], d["name"]), reverse=reverse)
    all_fields = get_bool(data, "all_fields", False)
    page = _page(data, dicts, all_fields)
    if not all_fields:
        return [d["name"] for d in page]
    if not get_bool(data, "include_dataset_count", True):
        for d in page:
            d.pop("package_count", None)
    return page


def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return organisation names, or dicts with package_count when all_fields is true.

    :param all_fields: return dicts (optional, default false; then 25 per page by default)
    :param sort: name, title or package_count, with asc or desc (optional, default name asc)
    :param limit: page size; :param offset: page start
    :param organizations: only these names; :param q: names or titles containing this
    """
    page = org_service.list_organizations(ctx.session, offset=0, limit=1_000_000)
    return _list_groups(data, [organization_dict(o) for o in page.items], "name asc")


def _finish_show(
    ctx: ActionContext,
    data: dict[str, Any],
    out: dict[str, Any],
    *,
    organization: str | None = None,
    category: str | None = None,
    measure: str | None = None,
) -> dict[str, Any]:
    if get_bool(data, "include_datasets", False):
        page = dataset_service.list_datasets(
            ctx.session,
            ctx.actor,
            organization=organization,
            category=category,
            measure=measure,
            limit=SHOW_DATASETS_LIMIT,
        )
        out["packages"] = [package_dict(d) for d in page.items]
    if not get_bool(data, "include_dataset_count", True):
        out.pop("package_count", None)
    return out


def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return an organisation (a ministry or a local government).

    :param id: id or name (a local government's name is its 6-digit code)
    :param include_datasets: add `packages`, its datasets (optional, default false)
    :param include_dataset_count: add `package_count` (optional, default true)
    """
    org = org_service.get_organization(ctx.session, require(data, "id"))
    return _finish_show(ctx, data, organization_dict(org), organization=org.name)


def _categories(ctx: ActionContext) -> list[dict[str, Any]]:
    return [category_dict(c) for c in catalog_service.list_categories(ctx.session)]


def _measures(ctx: ActionContext) -> list[dict[str, Any]]:
    return [measure_dict(m) for m in measure_service.list_measures(ctx.session).items]


def group_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the groups: the 17 data categories, or with type=measure the plan's measures.

    :param type: group (default) or measure; a measure's name is its id, e.g. 02-22
    :param all_fields, sort, limit, offset, groups, q: as organization_list (default order:
        the catalogue's own order of categories and measures)
    """
    group_type = get_str(data, "type") or "group"
    loaders: dict[str, Callable[[ActionContext], list[dict[str, Any]]]] = {
        "group": _categories,
        "measure": _measures,
    }
    loader = loaders.get(group_type)
    return _list_groups(data, loader(ctx) if loader else [], None)


def group_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a group: a data category (type group) or a measure (type measure).

    :param id: category name, or measure id such as 02-22
    :param include_datasets: add `packages` (optional, default false)
    """
    ref = require(data, "id")
    for cat in _categories(ctx):
        if ref in (cat["name"], cat["title"]):
            return _finish_show(ctx, data, cat, category=cat["name"])
    try:
        measure = measure_service.get_measure(ctx.session, ctx.actor, ref)
    except NotFound:
        raise NotFound(f"Group {ref!r} not found") from None
    return _finish_show(ctx, data, measure_dict(measure), measure=measure.id)


def tag_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the tags of public datasets, sorted by name.

    :param query: only tags containing this string (optional)
    :param all_fields: return dicts instead of names (optional, default false)
    :param vocabulary_id: ignored (there are only free tags here)
    """
    limit = data.get("limit")
    names = ckan_repo.public_tag_names(
        ctx.session,
        get_str(data, "query") or get_str(data, "q"),
        get_int(data, "offset", 0),
        get_int(data, "limit", 0, minimum=1) if limit not in (None, "") else None,
    )
    if get_bool(data, "all_fields", False):
        return [{"id": n, "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


def license_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the licences datasets and resources may carry."""
    return [license_dict(lic) for lic in catalog_service.list_licenses(ctx.session)]


def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the site's title, URL, the CKAN version whose API it speaks, and extensions."""
    return {
        "site_title": ctx.settings.site_title,
        "site_description": "",
        "site_url": ctx.settings.base_uri,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": ["activity"],
        "api_version": 3,
    }


def resource_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a resource.

    :param id: the resource id
    """
    res = resource_service.get_resource(ctx.session, ctx.actor, require(data, "id"))
    return resource_dict(res)


def package_activity_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a dataset's activity stream, newest first.

    :param id: the dataset's id or name
    :param offset: (optional, default 0); :param limit: (optional, default 31, at most 100)
    """
    rows = dataset_service.activity_list(
        ctx.session,
        ctx.actor,
        require(data, "id"),
        limit=get_int(data, "limit", 31, minimum=1, maximum=100),
        offset=get_int(data, "offset", 0),
    )
    return [activity_dict(a) for a in rows]


ACTIONS: dict[str, Action] = {
    fn.__name__: Action(fn, read=True)
    for fn in (
        package_show,
        package_list,
        current_package_list_with_resources,
        organization_list,
        organization_show,
        group_list,
        group_show,
        tag_list,
        license_list,
        status_show,
        resource_show,
        package_activity_list,
    )
}
