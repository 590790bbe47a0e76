"""One reference resolver for every inbound path: organisations, categories and licences.

CKAN API writes, `catalog import` and every harvest source name the same things in different
ways: DATA.GO.JP/e-Gov say `org_0900` and `gr_1300`, DATA.GO.JP writes `CC-BY` and
`政府標準利用規約（第 2.0 版）`, municipal portals write `CC BY 4.0`, a local government is named
by its 6-digit 全国地方公共団体コード or by the 5 digits before the check digit. The alias tables
are data (`seed/aliases.json`); this module only normalises and looks up.

Matching key (`ref_key`): NFKC, whitespace removed, case folded; for URIs also the scheme and a
trailing `/` are ignored. `None` means "we cannot place this value": callers either refuse it
(a user's own write) or keep it and report it (harvested and imported records).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.datasets.vocab import resolve_standard_kind
from app.models import Category, License, Organization
from app.organizations.codes import lg_check_digit
from seed import seed_dir

_SPACE = re.compile(r"\s+")
_URI = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{5,6}")


def ref_key(value: str) -> str:
    """The comparison key of a reference: NFKC, no whitespace, case folded, URI scheme-less."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", value)).casefold()
    if _URI.match(text):
        text = _URI.sub("", text).rstrip("/")
        text = text.removeprefix("www.")
    return text


@lru_cache(maxsize=1)
def alias_tables() -> dict[str, dict[str, str]]:
    """`seed/aliases.json` as {"organizations"|"categories"|"licenses"|"standard_kinds":
    {alias key: target}}."""
    raw: dict[str, Any] = json.loads((seed_dir() / "aliases.json").read_text(encoding="utf-8"))
    return {
        table: {ref_key(alias): target for alias, target in raw[table].items()}
        for table in ("organizations", "categories", "licenses", "standard_kinds")
    }


def local_government_code(ref: str) -> str | None:
    """The 6-digit code for a 6-digit code, or for 5 digits (the check digit is added)."""
    text = unicodedata.normalize("NFKC", ref).strip()
    if not _DIGITS.fullmatch(text):
        return None
    return text if len(text) == 6 else f"{text}{lg_check_digit(text)}"


def organization(session: Session, ref: str | None) -> Organization | None:
    """By id, name, title, alias (org_NNNN, ministry code) or local-government code.

    Hits are remembered for the session (a harvest page names the same organisation a hundred
    times); the object then comes from the session's identity map without a query.
    """
    text = (ref or "").strip()
    if not text:
        return None
    known: dict[str, str] = session.info.setdefault("organization_refs", {})
    if text in known:
        cached = session.get(Organization, known[text])
        if cached is not None:
            return cached
    found = _find_organization(session, text)
    if found is not None:
        known[text] = found.id
    return found


def _find_organization(session: Session, text: str) -> Organization | None:
    candidates = {text, unicodedata.normalize("NFKC", text)}
    alias = alias_tables()["organizations"].get(ref_key(text))
    if alias:
        candidates.add(alias)
    code = local_government_code(text)
    clauses: list[ColumnElement[bool]] = [
        Organization.id.in_(candidates),
        Organization.name.in_(candidates),
        Organization.title.in_(candidates),
    ]
    if code is not None:
        clauses.append(Organization.code == code)
    found = list(session.scalars(select(Organization).where(or_(*clauses))))
    # Prefer the most specific match: id, then name, then code, then title.
    for attr in ("id", "name", "code", "title"):
        for org in found:
            if getattr(org, attr) in candidates | ({code} if code else set()):
                return org
    return found[0] if found else None


def standard_kind(ref: str | None) -> str | None:
    """The 自治体標準オープンデータセット kind id for an id, number, title, older id or older
    (推奨データセット) name; None if unknown."""
    if not ref or not ref.strip():
        return None
    return resolve_standard_kind(ref, {}) or alias_tables()["standard_kinds"].get(ref_key(ref))


class Vocabulary:
    """Categories and licences of this catalogue, indexed by every key they answer to.

    Small tables (17 categories, ~20 licences): read once per request or harvest job.
    """

    def __init__(self, categories: list[Category], licenses: list[License]) -> None:
        tables = alias_tables()
        self.categories: dict[str, str] = {}
        for cat in categories:
            for ref in (cat.name, cat.title, cat.title_en):
                if ref:
                    self.categories.setdefault(ref_key(ref), cat.name)
        for alias, title in tables["categories"].items():
            target = self.categories.get(ref_key(title))
            if target:
                self.categories.setdefault(alias, target)
        self.licenses: dict[str, str] = {}
        for lic in licenses:
            for ref in (lic.id, lic.title, lic.title_en, lic.uri, lic.url):
                if ref:
                    self.licenses.setdefault(ref_key(ref), lic.id)
        known = {lic.id for lic in licenses}
        for alias, target in tables["licenses"].items():
            if target in known:
                self.licenses.setdefault(alias, target)

    @classmethod
    def load(cls, session: Session) -> Vocabulary:
        return cls(list(session.scalars(select(Category))), list(session.scalars(select(License))))

    def category(self, ref: str | None) -> str | None:
        """The category name for a name, title, English title or gr_NNNN; None if unknown."""
        return self.categories.get(ref_key(ref)) if ref and ref.strip() else None

    def license(self, ref: str | None) -> str | None:
        """The licence id for an id, title, URI/URL or alias (any case); None if unknown."""
        return self.licenses.get(ref_key(ref)) if ref and ref.strip() else None


def package_owner(session: Session, pkg: dict[str, Any]) -> str | None:
    """The organisation ref to use for a CKAN package dict: its `owner_org` when we know it,
    else the embedded `organization` (name, title, id) when we know that: a dict saved from
    another portal carries that portal's organisation UUID in `owner_org`. None: keep as is."""
    owner = pkg.get("owner_org")
    if isinstance(owner, str) and owner and organization(session, owner) is not None:
        return None
    org = pkg.get("organization")
    for key in ("name", "title", "id"):
        ref = org.get(key) if isinstance(org, dict) else None
        if isinstance(ref, str) and ref and organization(session, ref) is not None:
            return ref
    return None
