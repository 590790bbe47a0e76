"""A small CKAN portal on 127.0.0.1: package_search (paged, fq, sort) and package_show over
Japanese fixture datasets, with switches for the broken behaviours real portals show."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta
from typing import Any

from app.timeutil import ckan_format, parse_when
from tests.harvest.servers import FixtureServer, Reply, Seen

# (name, title, tags, notes, standard-dataset kind)
FIXTURES = [
    ("aed", "AED設置場所一覧", ["AED", "救急", "医療"], "市内のAED設置場所です。", "aed"),
    ("hinanjo", "指定緊急避難場所一覧", ["避難", "防災"], "災害時の指定緊急避難場所。", None),
    ("hoikusho", "保育施設一覧", ["保育", "子育て"], "認可保育所・認定こども園。", None),
    ("wifi", "公衆無線LANアクセスポイント一覧", ["Wi-Fi", "観光"], "無料Wi-Fiの場所。", None),
    ("bunkazai", "文化財一覧", ["文化財", "歴史"], "指定・登録文化財。", None),
    ("kanko", "観光施設一覧", ["観光"], "主な観光施設。", None),
    ("jinko", "町丁別人口（令和5年）", ["人口", "統計"], "住民基本台帳による人口。", None),
    ("kosodate", "子育て支援施設一覧", ["子育て"], "児童館など。", None),
]
BASE_TIME = datetime(2024, 5, 1, 3, 4, 5, 123456)
RANGE = re.compile(r"metadata_modified:\[(\S+) TO \*\]")
ORG_CLAUSE = re.compile(r'(-?)organization:"([^"]+)"')


def package_id(n: int) -> str:
    return f"7f3c9e1a-0000-4000-8000-{n:012d}"


def make_package(n: int, org: str = "sapporo", prefix: str = "sapporo") -> dict[str, Any]:
    name, title, tags, notes, kind = FIXTURES[n % len(FIXTURES)]
    suffix = "" if n < len(FIXTURES) else f"-{n}"
    extras = [{"key": "spatial", "value": "北海道札幌市"}, {"key": "frequency", "value": "不定期"}]
    if kind:
        extras.append({"key": "standard_kind", "value": kind})
    return {
        "id": package_id(n),
        "name": f"{prefix}-{name}{suffix}",
        "title": f"{title}{suffix}",
        "notes": notes,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": "cc-by-4.0",
        "owner_org": "b1d2c3e4-remote-org",
        "organization": {"name": org, "title": "札幌市"},
        "metadata_created": ckan_format(BASE_TIME),
        "metadata_modified": ckan_format(BASE_TIME + timedelta(minutes=n)),
        "tags": [{"name": t, "display_name": t} for t in tags],
        "groups": [{"name": "population-households"}, {"name": "remote-only-group"}],
        "extras": extras,
        "resources": [
            {
                "id": f"5e6f7a8b-0000-4000-8000-{n:012d}",
                "url": f"https://opendata.example.jp/{name}{suffix}.csv",
                "name": f"{title} (CSV)",
                "format": "CSV",
                "description": "",
            }
        ],
    }


class CkanPortal:
    """Holds packages in memory; tests change them between runs."""

    def __init__(self, server: FixtureServer, count: int = len(FIXTURES), **kw: Any) -> None:
        self.server = server
        self.packages: dict[str, dict[str, Any]] = {}
        for n in range(count):
            pkg = make_package(n, **kw)
            self.packages[pkg["id"]] = pkg
        # Broken behaviours
        self.ignore_start = False
        self.cycle_pages = False  # A -> B -> A
        self.invalid_json = False
        self.status = 200
        self.delay = 0.0
        server.route("/api/3/action/package_search", self.package_search)
        server.route("/api/3/action/package_show", self.package_show)

    @property
    def url(self) -> str:
        return self.server.url("/")

    def touch(self, pkg_id: str, **changes: Any) -> None:
        pkg = self.packages[pkg_id]
        pkg.update(changes)
        newest = max(parse_when(p["metadata_modified"]) for p in self.packages.values())
        pkg["metadata_modified"] = ckan_format(newest + timedelta(seconds=1))

    def add(self, pkg: dict[str, Any]) -> None:
        self.packages[pkg["id"]] = pkg

    def remove(self, pkg_id: str) -> dict[str, Any]:
        return self.packages.pop(pkg_id)

    def _reply(self, body: Any) -> Reply:
        if self.status != 200:
            return Reply(self.status, b"<html>Internal Server Error</html>", delay=self.delay)
        if self.invalid_json:
            return Reply(200, b'{"success": true, "result": {"count": 3, "resu', delay=self.delay)
        data = json.dumps(body, ensure_ascii=False).encode()
        return Reply(200, data, {"Content-Type": "application/json;charset=utf-8"}, self.delay)

    def _select(self, fq: str) -> list[dict[str, Any]]:
        found = list(self.packages.values())
        match = RANGE.search(fq)
        if match:
            since = parse_when(match.group(1))
            found = [p for p in found if parse_when(p["metadata_modified"]) >= since]
        clauses = ORG_CLAUSE.findall(fq)
        include = {org for negate, org in clauses if not negate}
        exclude = {org for negate, org in clauses if negate}
        if include:
            found = [p for p in found if p["organization"]["name"] in include]
        return [p for p in found if p["organization"]["name"] not in exclude]

    def package_search(self, seen: Seen) -> Reply:
        found = self._select(seen.query.get("fq", ""))
        sort = seen.query.get("sort", "")
        key = "metadata_modified" if sort.startswith("metadata_modified") else "id"
        found.sort(key=lambda p: (p[key], p["id"]))
        rows = int(seen.query.get("rows", 10))
        start = 0 if self.ignore_start else int(seen.query.get("start", 0))
        if self.cycle_pages and start >= 2 * rows:
            start = 0
        page = found[start : start + rows]
        body = {"success": True, "result": {"count": len(found), "results": copy.deepcopy(page)}}
        if self.cycle_pages:
            body["result"]["count"] = 10 * len(found) + 1000
        return self._reply({"help": "package_search", **body})

    def package_show(self, seen: Seen) -> Reply:
        ref = seen.query.get("id", "")
        for pkg in self.packages.values():
            if ref in (pkg["id"], pkg["name"]):
                return self._reply({"success": True, "result": copy.deepcopy(pkg)})
        body = {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}}
        return Reply(404, json.dumps(body).encode(), {"Content-Type": "application/json"})
