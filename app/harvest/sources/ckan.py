"""CKAN sources: the Action API's package_search, paged; incremental by metadata_modified.

Full runs page with `sort=id asc` (stable while records change) and see every public record,
so records missing afterwards are deletion candidates (each re-checked with package_show).
Incremental runs ask for `metadata_modified:[since TO *]` only; CKAN's search never returns
deleted packages, so an incremental run then lists the ids of every remote package that passes
the filters (package_search with `fl=id,name`, LIST_ROWS per request: 100 requests for 100,000
datasets) and treats what is missing from that list as deletion candidates, re-checked one by
one with package_show and subject to the deletion threshold (config detect_deletions).
Packages go through the same CKAN mapping as our own CKAN API
(`app.datasets.ckan_input.from_ckan`, with the provider's dates and the source's time zones),
so names, Japanese titles, tags and e-Gov fields are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from app.datasets.ckan_input import from_ckan
from app.errors import AppError
from app.harvest.fetch import GuardedClient
from app.harvest.schemas import SourceConfig
from app.harvest.sources.base import Page, RemoteRecord, RunPlan, SourceError, parse_json
from app.timeutil import parse_when

API_SUFFIXES = ("/api/3/action", "/api/action", "/api/3", "/api")
LIST_ROWS = 1000  # CKAN's default search.rows_max


def _or(field: str, values: list[str]) -> str:
    return " OR ".join(f'{field}:"{v}"' for v in values)


def filter_query(config: SourceConfig, since: datetime | None) -> str:
    clauses: list[str] = []
    if since is not None:
        stamp = since.isoformat(timespec="milliseconds")
        clauses.append(f"metadata_modified:[{stamp}Z TO *]")
    if config.organizations:
        clauses.append(_or("organization", config.organizations))
    clauses += [f'-organization:"{v}"' for v in config.organizations_exclude]
    if config.groups:
        clauses.append(_or("groups", config.groups))
    clauses += [f'-groups:"{v}"' for v in config.groups_exclude]
    return " ".join(clauses)


def _names(items: Any) -> set[str]:
    out: set[str] = set()
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            out.update(str(item[k]) for k in ("name", "id") if item.get(k))
    return out


def _extras(pkg: dict[str, Any]) -> dict[str, str]:
    extras = pkg.get("extras")
    if not isinstance(extras, list):
        return {}
    return {
        str(e["key"]): str(e.get("value") or "")
        for e in extras
        if isinstance(e, dict) and "key" in e
    }


class CkanSource:
    def __init__(self, url: str, config: SourceConfig, client: GuardedClient) -> None:
        base = url.rstrip("/")
        for suffix in API_SUFFIXES:
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        self.base = base
        self.config = config
        self.client = client
        self.complete = False
        self.cursor: str | None = None
        # The remote's own count of matching packages, once a page has said it (previews).
        self.total: int | None = None
        # Every remote key that still exists (incremental runs), for deletion detection.
        self.listed: set[str] | None = None

    def _action(self, name: str, params: dict[str, str | int], ok: tuple[int, ...] = (200,)) -> Any:
        fetched = self.client.get(f"{self.base}/api/3/action/{name}", params=params, ok=ok)
        if fetched.status != 200:
            return None
        body = parse_json(fetched)
        if not isinstance(body, dict) or body.get("success") is not True or "result" not in body:
            raise SourceError(f"{name} at {fetched.url} did not answer with a CKAN result")
        return body["result"]

    def wanted(self, pkg: dict[str, Any]) -> bool:
        """The filters again, locally: correct even if the portal ignores part of `fq`."""
        org = pkg.get("organization")
        orgs = _names([org]) if isinstance(org, dict) else set()
        groups = _names(pkg.get("groups"))
        cfg = self.config
        if cfg.organizations and not orgs & set(cfg.organizations):
            return False
        if orgs & set(cfg.organizations_exclude):
            return False
        if cfg.groups and not groups & set(cfg.groups):
            return False
        return not groups & set(cfg.groups_exclude)

    def record(self, pkg: dict[str, Any]) -> RemoteRecord:
        remote_id = str(pkg.get("id") or pkg.get("name") or "")
        extras = _extras(pkg)
        name = str(pkg.get("name") or remote_id)
        org = pkg.get("organization")
        refs = [org.get("title"), org.get("id")] if isinstance(org, dict) else []
        refs.append(pkg.get("owner_org"))
        rec = RemoteRecord(
            key=remote_id,
            remote_id=remote_id,
            wanted_id=str(pkg["id"]) if pkg.get("id") else None,
            remote_uri=str(pkg.get("uri") or extras.get("uri") or "") or None,
            identifier=str(pkg.get("identifier") or extras.get("identifier") or "") or None,
            remote_org=str(org.get("name")) if isinstance(org, dict) and org.get("name") else None,
            remote_org_refs=[str(r) for r in refs if isinstance(r, str) and r],
            url=f"{self.base}/dataset/{name}",
        )
        if not remote_id:
            rec.key = f"(no id) {pkg.get('title', '')}"[:200]
            rec.error = "package without id or name"
            return rec
        try:
            modified = pkg.get("metadata_modified")
            rec.modified = parse_when(str(modified)) if modified else None
        except ValueError:
            rec.modified = None
        try:
            rec.data, _ = from_ckan(
                pkg,
                provider_dates=True,
                timezone=self.config.timezone,
                resource_timezone=self.config.resource_timezone,
                notes=rec.notes,
            )
        except AppError as exc:
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            rec.error = f"{exc.message}{' (' + details + ')' if details else ''}"
        return rec

    def pages(self, plan: RunPlan) -> Iterator[Page]:
        params: dict[str, str | int] = {
            "q": "*:*",
            "rows": self.config.rows,
            "sort": "id asc" if plan.mode == "full" else "metadata_modified asc",
        }
        fq = filter_query(self.config, plan.since if plan.mode == "incremental" else None)
        if fq:
            params["fq"] = fq
        seen: set[str] = set()
        start = 0
        for _page in range(self.config.max_pages):
            result = self._action("package_search", {**params, "start": start})
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise SourceError(f"package_search at {self.base} returned no results list")
            count = result.get("count")
            self.total = count if isinstance(count, int) else None
            packages = [p for p in result["results"] if isinstance(p, dict)]
            if not packages:
                break
            ids = [str(p.get("id") or p.get("name") or "") for p in packages]
            if seen.issuperset(ids):
                raise SourceError(
                    f"paging loop in package_search: the page at start={start} only repeats "
                    "records already read (the portal ignores `start`?); stopped there"
                )
            seen.update(ids)
            yield Page([self.record(p) for p in packages if self.wanted(p)])
            start += len(packages)
            if self.total is not None and start >= self.total:
                break
        else:
            raise SourceError(
                f"more than {self.config.max_pages} pages: stopped (config max_pages)"
            )
        self.complete = plan.mode == "full"
        if plan.mode == "incremental" and self.config.detect_deletions:
            self.listed = self.remote_keys()
            self.complete = True

    def remote_keys(self) -> set[str]:
        """The key (id, else name) of every remote package the filters let through: one
        `fl=id,name` package_search per LIST_ROWS packages, sorted by id."""
        params: dict[str, str | int] = {"q": "*:*", "rows": LIST_ROWS, "fl": "id,name"}
        params["sort"] = "id asc"
        fq = filter_query(self.config, None)
        if fq:
            params["fq"] = fq
        keys: set[str] = set()
        start = 0
        for _page in range(self.config.max_pages):
            result = self._action("package_search", {**params, "start": start})
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise SourceError(f"package_search at {self.base} returned no results list")
            rows = [p for p in result["results"] if isinstance(p, dict)]
            page = {str(p.get("id") or p.get("name") or "") for p in rows} - {""}
            if not rows or (start and page <= keys):
                break
            keys |= page
            start += len(rows)
            count = result.get("count")
            if isinstance(count, int) and start >= count:
                break
        return keys

    def lookup(self, keys: list[str]) -> dict[str, RemoteRecord | None]:
        found: dict[str, RemoteRecord | None] = {}
        for key in keys:
            pkg = self._action("package_show", {"id": key}, ok=(200, 403, 404))
            if not isinstance(pkg, dict) or pkg.get("state", "active") != "active":
                found[key] = None  # gone, deleted or no longer public
            elif not self.wanted(pkg):
                found[key] = None  # now outside the configured filters
            else:
                found[key] = self.record(pkg)
        return found
