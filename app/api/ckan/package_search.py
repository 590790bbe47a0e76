"""package_search: CKAN's search parameters onto `app.search.service.search_datasets`.

Results are complete package dicts (the CKAN harvester imports them without calling
package_show), loaded for the whole page in one query.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import orjson

from app.accounts.actor import Actor
from app.accounts.visibility import can_read_dataset
from app.api.ckan import paging
from app.api.ckan import repository as ckan_repo
from app.api.ckan.fq import FilterQuery, parse_query
from app.api.ckan.package_dict import package_dict
from app.api.ckan.params import get_bool, get_int, get_list, get_str
from app.api.ckan.registry import Action, ActionContext
from app.datasets.convert import dataset_out
from app.errors import SearchQueryError
from app.readmodel import service as readmodel
from app.search.params import SORTS, FieldFilter, SearchParams, SearchResult
from app.search.service import facet_titles, search_datasets
from app.timeutil import utcnow

DEFAULT_SORT = "score desc, metadata_modified desc"
DEFAULT_ROWS = 10
MAX_ROWS = 1000
DEFAULT_FACET_LIMIT = 50
# What package_search reads.
USED = frozenset(
    {
        "q",
        "fq",
        "fq_list",
        "rows",
        "start",
        "sort",
        "facet",
        "facet.field",
        "facet.limit",
        "facet.mincount",
        "include_private",
        "include_drafts",
        "fl",
    }
)
# Accepted as CKAN accepts them, without effect here: Solr tuning (qf, wt, bf, boost, tie,
# defType, mm, df), schema and output switches, and deleted datasets (never searchable here).
IGNORED = frozenset(
    {
        "qf",
        "wt",
        "bf",
        "boost",
        "tie",
        "defType",
        "mm",
        "df",
        "extras",
        "use_default_schema",
        "include_group_types",
        "include_deleted",
        "user",
    }
)
# Solr sort fields with another name here.
SORT_ALIASES = {"title_string": "title"}


def ckan_sort(text: str) -> str:
    """CKAN's sort string (`score desc, metadata_modified desc`) as a search sort name."""
    first = next((p.strip() for p in text.split(",") if p.strip()), "score desc")
    field, _, direction = " ".join(first.split()).partition(" ")
    if field in ("score", "rank"):
        return "relevance"
    sort = f"{SORT_ALIASES.get(field, field)} {direction.lower() or 'asc'}"
    if sort not in SORTS:
        raise SearchQueryError(
            f"Cannot sort by {first!r}: use score, metadata_modified, metadata_created, "
            "name, id or title_string with asc or desc"
        )
    return sort


def _unknown_params(data: dict[str, Any]) -> None:
    unknown = sorted(k for k in data if k not in USED | IGNORED and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")


def _filters(ctx: ActionContext, data: dict[str, Any]) -> tuple[str, FilterQuery]:
    """`q`, `fq` and `fq_list` through the one query parser: (text query, filters)."""
    texts = get_list(data, "fq_list")
    fq = get_str(data, "fq")
    if fq:
        texts.append(fq)
    parsed = parse_query(get_str(data, "q") or "", texts, utcnow())
    for f in parsed.owner_orgs:
        names = list(ckan_repo.organization_names_by_id(ctx.session, f.values).values())
        if names:
            parsed.filters.append(FieldFilter("organization", tuple(names), f.negate))
        elif not f.negate:
            parsed.matches_nothing = True
    return " ".join(parsed.terms).strip(), parsed


def _actor_key(actor: Actor) -> Hashable:
    return (actor.user_id, actor.sysadmin, tuple(sorted(actor.roles.items())))


def _query_key(actor: Actor, params: SearchParams) -> Hashable:
    return (
        _actor_key(actor),
        params.q,
        tuple(params.filters),
        tuple(params.ranges),
        params.sort,
        params.rows,
        params.include_private,
        params.include_drafts,
    )


def _facets(
    ctx: ActionContext, result: SearchResult
) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    facets = {name: dict(values) for name, values in result.facets.items()}
    titles = facet_titles(ctx.session, result.facets)
    search_facets = {
        name: {
            "title": name,
            "items": [
                {
                    "name": value,
                    "display_name": titles.get(name, {}).get(value, value),
                    "count": count,
                }
                for value, count in values
            ],
        }
        for name, values in result.facets.items()
    }
    return facets, search_facets


def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search datasets (Solr-style parameters, as CKAN).

    :param q: text; `field:value` forms allowed (default: everything)
    :param fq, fq_list: filters such as `organization:a OR organization:b`, `-tags:x`,
        `metadata_modified:[2024-01-01T00:00:00Z TO *]`, `res_format:CSV`, `groups:02-22`
    :param rows: at most 1000 (default 10); :param start: offset (default 0)
    :param sort: `score desc, metadata_modified desc` (default), `id asc`, `name asc`,
        `metadata_modified desc`, `title_string asc`...
    :param facet.field: e.g. ["organization", "groups", "tags", "res_format", "license_id"]
    :param facet.limit: (default 50, negative = all); :param facet.mincount: (default 1)
    :param include_private: private datasets the user may see (default false)
    :param include_drafts: drafts the user may see (default false)
    """
    _unknown_params(data)
    sort_text = get_str(data, "sort") or DEFAULT_SORT
    q, parsed = _filters(ctx, data)
    facet_on = get_bool(data, "facet", True)
    params = SearchParams(
        q=q,
        filters=parsed.filters,
        ranges=parsed.ranges,
        sort=ckan_sort(sort_text),
        start=get_int(data, "start", 0),
        rows=get_int(data, "rows", DEFAULT_ROWS, maximum=MAX_ROWS),
        facet_fields=get_list(data, "facet.field") if facet_on else [],
        facet_limit=get_int(data, "facet.limit", DEFAULT_FACET_LIMIT, minimum=None),
        facet_mincount=get_int(data, "facet.mincount", 1),
        include_private=get_bool(data, "include_private", False),
        include_drafts=get_bool(data, "include_drafts", False) or parsed.include_drafts,
    )
    if parsed.matches_nothing:
        result = SearchResult(count=0, ids=[], facets={f: [] for f in params.facet_fields})
    else:
        result = _search(ctx, params)
    fields = get_list(data, "fl")
    if len(fields) == 1 and fields[0].strip() not in ("", "*"):
        fields = fields[0].replace(",", " ").split()
    picked = bool(fields) and fields != ["*"]
    results = _results(ctx, result.ids, decode=picked)
    if picked:
        results = [{k: r.get(k) for k in fields} for r in results]
    facets, search_facets = _facets(ctx, result)
    return {
        "count": result.count,
        "facets": facets,
        "search_facets": search_facets,
        "sort": sort_text,
        "results": results,
    }


def _results(ctx: ActionContext, ids: list[str], *, decode: bool) -> list[Any]:
    """The page's package dicts in result order: the stored ones in one query (spliced into
    the response as they are, or decoded when `decode`), fresh ones for datasets without."""
    stored = readmodel.package_jsons(ctx.session, ctx.actor, ids)
    missing = [dataset_id for dataset_id, body in stored if body is None]
    fresh = {
        d.id: package_dict(dataset_out(d))
        for d in ckan_repo.datasets_by_ids(ctx.session, missing)
        if can_read_dataset(ctx.actor, d.owner_org, d.private, d.state)
    }
    results: list[Any] = []
    for dataset_id, body in stored:
        if body is not None:
            results.append(orjson.loads(body) if decode else orjson.Fragment(body))
        elif dataset_id in fresh:
            results.append(fresh[dataset_id])
    return results


def _search(ctx: ActionContext, params: SearchParams) -> SearchResult:
    """Run the search, continuing from where the previous page of the same walk ended."""
    key = paging.query_digest(_query_key(ctx.actor, params))
    start = params.start
    # A first page needs no lookup: it only writes, and only a position this process has not
    # already written (the hot case: the same search again writes and reads nothing).
    known = paging.lookup(ctx.session, key, [start, start + params.rows]) if start > 0 else {}
    here = known.get(start)
    if here is not None and ckan_repo.dataset_exists(ctx.session, here.last_id):
        params.cursor = here.cursor
        params.start = 0
    result = search_datasets(ctx.session, ctx.actor, params)
    if result.next_cursor is not None and result.ids:
        position = paging.Position(result.next_cursor, result.ids[-1])
        next_start = start + len(result.ids)
        if known.get(next_start, paging.written(key, next_start)) != position:
            paging.remember(ctx.session, key, next_start, position)
    return result


ACTIONS: dict[str, Action] = {"package_search": Action(package_search, read=True)}
