"""Validate incoming dataset fields and write them onto the ORM object.

Create, full update (replace) and patch all go through `apply_fields`, so a rule is written once.
Every problem is collected per field; nothing is written when any field is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.catalog.references import Vocabulary, standard_kind
from app.common.text import TAG_MAX, clean_tag
from app.common.validate import FieldErrors, check_email, check_url
from app.datasets import repository as repo
from app.datasets.schemas import DatasetFields, ResourceIn
from app.datasets.vocab import normalise_frequency
from app.models import Category, Dataset, License, Organization, Tag
from app.organizations.codes import is_valid_lg_code
from app.timeutil import to_naive_utc

SINGLE_LINE = (
    "title",
    "version",
    "author",
    "maintainer",
    "publisher_name",
    "contact_name",
    "spatial",
)
URLS = ("url", "contact_url", "conforms_to")
EMAILS = ("author_email", "maintainer_email", "contact_email")
# Fields a full replace keeps when they are left out, as CKAN's package_update does.
KEPT_WHEN_OMITTED = ("owner_org", "resources")
# Extras may not shadow a real field (CKAN refuses this too).
RESERVED_EXTRAS = frozenset(DatasetFields.model_fields) | {"id", "name", "type"}
LANG_RE = re.compile(r"^[a-z]{2,3}$")


def fields_to_apply(data: DatasetFields, mode: str) -> dict[str, Any]:
    """The field -> value pairs a write touches: patch = fields sent; create/replace = all."""
    if mode == "patch":
        keys = set(data.model_fields_set) & set(DatasetFields.model_fields)
    else:
        keys = set(DatasetFields.model_fields)
        if mode == "replace":
            keys -= {k for k in KEPT_WHEN_OMITTED if k not in data.model_fields_set}
    return {key: getattr(data, key) for key in sorted(keys)}


def apply_fields(
    session: Session,
    ds: Dataset,
    values: dict[str, Any],
    errors: FieldErrors,
    resolve_org: Any,
) -> None:
    """Write `values` onto `ds`, adding messages to `errors` (the caller raises if any).

    Text values arrive as plain text already: the schema types (`app.common.text`) clean them.
    """
    for key in SINGLE_LINE:
        if key in values:
            setattr(ds, key, values[key] or "")
    if "notes" in values:
        ds.notes = values["notes"] or ""
    for key in URLS:
        if key in values:
            # Checked as sent: a tab or newline, even at an end, is refused, not trimmed.
            value = values[key] or ""
            check_url(errors, key, value)
            setattr(ds, key, value)
    for key in EMAILS:
        if key in values:
            value = (values[key] or "").strip()
            check_email(errors, key, value)
            setattr(ds, key, value)
    if "owner_org" in values:
        org: Organization | None = resolve_org(values["owner_org"], errors)
        if org is not None:
            ds.owner_org = org.id
            ds.organization = org
    if "private" in values:
        ds.private = bool(values["private"])
    if "state" in values:
        state = values["state"] or "active"
        if state not in ("active", "draft"):
            errors.add("state", "Must be active or draft (use delete to withdraw a dataset)")
        else:
            ds.state = state
    if "license_id" in values:
        _apply_license(session, ds, values["license_id"], errors)
    if "frequency" in values:
        _apply_frequency(ds, values["frequency"], errors)
    if "language" in values:
        lang = (values["language"] or "ja").strip().lower()
        if not LANG_RE.match(lang):
            errors.add("language", "Use an ISO 639-1 code such as ja or en")
        ds.language = lang
    if "spatial_code" in values:
        code = (values["spatial_code"] or "").strip() or None
        if code is not None and not is_valid_lg_code(code):
            errors.add(
                "spatial_code",
                "Not a valid 全国地方公共団体コード: 6 digits whose last digit is the check digit",
            )
        ds.spatial_code = code
    _apply_dates(ds, values, errors)
    if "standard_kind" in values:
        _apply_standard_kind(ds, values["standard_kind"], errors)
    if "tags" in values:
        _apply_tags(session, ds, values["tags"] or [], errors)
    if "categories" in values:
        _apply_categories(session, ds, values["categories"] or [], errors)
    if "measures" in values:
        _apply_measures(session, ds, values["measures"] or [], errors)
    if "extras" in values:
        _apply_extras(ds, values["extras"] or {}, errors)


def vocabulary(session: Session) -> Vocabulary:
    """The category/licence resolver, read once per session (reference data, rarely written)."""
    vocab = session.info.get("vocabulary")
    if not isinstance(vocab, Vocabulary):
        vocab = Vocabulary.load(session)
        session.info["vocabulary"] = vocab
    return vocab


def _apply_license(session: Session, ds: Dataset, value: str | None, errors: FieldErrors) -> None:
    ref = (value or "").strip() or None
    if ref is None:
        ds.license_id = None
        ds.license = None
        return
    lic_id = vocabulary(session).license(ref)
    # By primary key: after the first dataset of a session, the identity map answers (no SQL).
    lic = session.get(License, lic_id) if lic_id else None
    if lic is None:
        errors.add("license_id", f"Unknown licence {ref!r}: see /api/v1/licenses")
        return
    ds.license_id = lic.id
    ds.license = lic


def _apply_frequency(ds: Dataset, value: str | None, errors: FieldErrors) -> None:
    text = (value or "").strip()
    if not text:
        ds.frequency = ""
        return
    code = normalise_frequency(text)
    if code is None:
        errors.add("frequency", "Unknown frequency: use an EU code such as ANNUAL or 毎年, 不定期")
        return
    ds.frequency = code


def _apply_dates(ds: Dataset, values: dict[str, Any], errors: FieldErrors) -> None:
    for key in ("issued", "modified"):
        if key in values:
            when: datetime | None = values[key]
            setattr(ds, key, to_naive_utc(when) if when is not None else None)
    for key in ("temporal_start", "temporal_end"):
        if key in values:
            day: date | None = values[key]
            setattr(ds, key, day)
    if ds.temporal_start and ds.temporal_end and ds.temporal_start > ds.temporal_end:
        errors.add("temporal_end", "The end of the period must not be before its start")


def _apply_standard_kind(ds: Dataset, value: str | None, errors: FieldErrors) -> None:
    text = (value or "").strip()
    if not text:
        ds.standard_kind = None
        return
    kind = standard_kind(text)
    if kind is None:
        errors.add(
            "standard_kind",
            "Unknown standard-dataset kind: use the official number (01-17, 22-31), its title "
            "or an id such as aed, evacuation_space",
        )
        return
    ds.standard_kind = kind


def _apply_tags(session: Session, ds: Dataset, raw: list[str], errors: FieldErrors) -> None:
    names: list[str] = []
    for item in raw:
        name = clean_tag(item)
        if not name:
            continue
        if len(name) > TAG_MAX or "," in name:
            errors.add("tags", f"Tag {name[:20]!r}: at most {TAG_MAX} characters and no commas")
            continue
        if name not in names:
            names.append(name)
    if isinstance(ds, Dataset):
        tags = repo.tags_made(session, names)
    else:
        # A draft (the bulk upload's preview check, app.bulk.validate) writes nothing, so its
        # new tags stay unsaved objects.
        tags = repo.tags_by_name(session, names)
        tags.update({name: Tag(name=name) for name in names if name not in tags})
    ds.tags = [tags[name] for name in names]


def _apply_categories(session: Session, ds: Dataset, refs: list[str], errors: FieldErrors) -> None:
    vocab = vocabulary(session)
    wanted = [r.strip() for r in refs if r.strip()]
    names = {ref: vocab.category(ref) for ref in wanted}
    missing = [r for r, name in names.items() if name is None]
    if missing:
        errors.add(
            "categories", f"Unknown categories: {', '.join(missing)} (see /api/v1/categories)"
        )
    seen: dict[str, Category] = {}
    for ref in wanted:
        name = names[ref]
        if name and name not in seen:
            # By primary key: the identity map answers after the first use in a session.
            cat = session.get(Category, name)
            if cat is not None:
                seen[name] = cat
    ds.categories = list(seen.values())


def _apply_measures(session: Session, ds: Dataset, ids: list[str], errors: FieldErrors) -> None:
    wanted = list(dict.fromkeys(unicodedata.normalize("NFKC", i).strip() for i in ids if i.strip()))
    found = repo.measures(session, set(wanted))
    missing = [i for i in wanted if i not in found]
    if missing:
        errors.add("measures", f"Unknown measure ids: {', '.join(missing)} (ids look like 02-22)")
    ds.measures = [found[i] for i in wanted if i in found]


def _apply_extras(ds: Dataset, extras: dict[str, str], errors: FieldErrors) -> None:
    cleaned: dict[str, str] = {}
    for key, value in extras.items():
        k = key
        if not k:
            errors.add("extras", "Extra keys must not be empty")
        elif k in RESERVED_EXTRAS:
            errors.add("extras", f"There is a schema field with the same name: {k}")
        else:
            cleaned[k] = value
    ds.extras = cleaned


def check_resource(data: ResourceIn, errors: FieldErrors, prefix: str) -> None:
    check_url(errors, f"{prefix}url", data.url)
    check_url(errors, f"{prefix}download_url", data.download_url)
    if data.language and not LANG_RE.match(data.language.strip().lower()):
        errors.add(f"{prefix}language", "Use an ISO 639-1 code such as ja or en")
