"""What a dataset contributes to the search index: text values, filter tokens, facet values.

A `SearchDocument` is built from the `DatasetOut` every surface renders, so the index sees
exactly what users see. Its text goes to the full-text index in three parts:

* ``title`` — the title's tokens (searched on their own for the title boost);
* ``body`` — every other searchable value (notes, tags, organisation title/name/code,
  prefecture, measure ids and titles, category titles, resource names/descriptions/formats,
  standard-dataset kind id and title), each value's tokens joined by :data:`SEPARATOR`, so a
  phrase never runs from one value into the next (``…AED`` + ``設置…`` is not ``AED設置``);
* ``keys`` — one filter token per facet value, so filters are answered by the full-text
  index itself (cheaper than joins at a million rows; see BASELINES.md), plus visibility
  tokens (active, public, listed = active and public, owner organisation id), so a count
  can be answered by the index alone (`visibility_groups`).

Filter tokens are ``q0`` + a field code + the hex of the value's UTF-8 (or ``h`` + a hash
for long values): a letter followed by a digit, so never an ASCII word of the text stream
(words are all letters or all digits), and never a ``b…``/``x…`` text token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from app.accounts.visibility import is_public
from app.datasets.schemas import DatasetOut
from app.datasets.vocab import STANDARD_KINDS
from app.search.text import index_text, normalize, segments

SEPARATOR: Final = "z0"
"""Token between two values of one column; no query ever contains it."""

# Field code of each facet's filter token.
FILTER_CODES: Final = {
    "organization": "o",
    "prefecture": "p",
    "category": "c",
    "measure": "m",
    "tags": "t",
    "res_format": "f",
    "license_id": "l",
    "standard_kind": "k",
}
# Facets with at most one value per dataset are columns of search_doc; the others are rows.
SINGLE_VALUED: Final = ("organization", "prefecture", "license_id", "standard_kind")
MULTI_VALUED: Final = ("category", "measure", "tags", "res_format")

# Visibility tokens: the state and privacy of a document, and its owner organisation.
ACTIVE: Final = "q0va"
PUBLIC: Final = "q0vp"
LISTED: Final = "q0vx"  # active and public: what anonymous users see
# Multi-valued facet values are also kept packed in search_doc.facets: code + value, joined.
FACET_SEP: Final = "\x1f"

_MAX_HEX_BYTES: Final = 40
_KIND_TITLES: Final = {kind.id: kind.title for kind in STANDARD_KINDS}


def filter_token(field_name: str, value: str) -> str:
    """The index token standing for ``field_name = value`` (exact value, as stored)."""
    raw = value.encode("utf-8")
    code = FILTER_CODES[field_name]
    if len(raw) <= _MAX_HEX_BYTES:
        return f"q0{code}{raw.hex()}"
    # 'h' is not a hex digit: a hashed token never equals a hex one.
    return f"q0{code}h{hashlib.blake2b(raw, digest_size=16).hexdigest()}"


def owner_token(organization_id: str) -> str:
    """Token of the owner organisation (by id: what `Actor.roles` holds)."""
    raw = organization_id.encode("utf-8")
    if len(raw) <= _MAX_HEX_BYTES:
        return f"q0w{raw.hex()}"
    return f"q0wh{hashlib.blake2b(raw, digest_size=16).hexdigest()}"


def visibility_groups(
    sysadmin: bool, org_ids: frozenset[str], *, include_private: bool, include_drafts: bool
) -> tuple[tuple[str, ...], ...]:
    """Visibility as token groups (one token of each group must occur).

    public-and-active, or any non-deleted document of the actor's organisations, restricted
    by include_private / include_drafts. ``listed or (active and own)`` is written
    ``active and (listed or own)`` (listed implies active), so it stays a list of groups.
    """
    groups: list[tuple[str, ...]] = []
    if not include_drafts:
        groups.append((ACTIVE,))
    if not include_private:
        groups.append((PUBLIC,))
    if not sysadmin:
        groups.append((LISTED, *sorted(owner_token(o) for o in org_ids)))
    # Drop groups implied by a stricter single-token one (LISTED implies ACTIVE and PUBLIC).
    if (LISTED,) in groups:
        groups = [g for g in groups if g not in ((ACTIVE,), (PUBLIC,))]
    return tuple(groups)


def exact_key(text: str) -> str:
    """Text reduced to its searchable characters: an exact-title query compares these."""
    return "".join(seg.text for seg in segments(normalize(text)))


@dataclass(frozen=True)
class IndexTexts:
    """The three full-text columns of one document (space-separated tokens)."""

    title: str
    body: str
    keys: str


@dataclass(frozen=True)
class SearchDocument:
    dataset_id: str
    name: str
    title: str
    state: str
    private: bool
    owner_org: str
    metadata_modified: datetime
    metadata_created: datetime
    body: tuple[str, ...]
    # facet field -> values (deduplicated, in order); SINGLE_VALUED fields have at most one.
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def title_key(self) -> str:
        return normalize(self.title)

    @property
    def title_exact(self) -> str:
        return exact_key(self.title)

    def single(self, facet: str) -> str | None:
        values = self.facets.get(facet, ())
        return values[0] if values else None

    def texts(self) -> IndexTexts:
        body = f" {SEPARATOR} ".join(t for t in (index_text(v) for v in self.body) if t)
        keys = [
            filter_token(name, value) for name, values in self.facets.items() for value in values
        ]
        keys.append(owner_token(self.owner_org))
        if self.state == "active":
            keys.append(ACTIVE)
        if not self.private:
            keys.append(PUBLIC)
        if is_public(self.private, self.state):
            keys.append(LISTED)
        return IndexTexts(title=index_text(self.title), body=body, keys=" ".join(keys))

    def packed_facets(self) -> str:
        """The multi-valued facet values, for search_doc.facets (see FACET_SEP)."""
        return FACET_SEP.join(
            FILTER_CODES[name] + value
            for name in MULTI_VALUED
            for value in self.facets.get(name, ())
        )


def _unique(values: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def document(out: DatasetOut) -> SearchDocument:
    """The search document of a dataset (any state; the caller decides what is indexed)."""
    org = out.organization
    kind = out.standard_kind
    body: list[str | None] = [out.notes, *out.tags, org.title, org.name, org.code, org.prefecture]
    for measure in out.measures:
        body += [measure.name, measure.title]
    body += [category.title for category in out.categories]
    for res in out.resources:
        body += [res.name, res.description, res.format]
    if kind:
        body += [kind, _KIND_TITLES.get(kind)]
    facets = {
        "organization": _unique([org.name]),
        "prefecture": _unique([org.prefecture]),
        "license_id": _unique([out.license.id if out.license else None]),
        "standard_kind": _unique([kind]),
        "category": _unique([c.name for c in out.categories]),
        "measure": _unique([m.name for m in out.measures]),
        "tags": _unique(list(out.tags)),
        "res_format": _unique([r.format for r in out.resources]),
    }
    return SearchDocument(
        dataset_id=out.id,
        name=out.name,
        title=out.title,
        state=out.state,
        private=out.private,
        owner_org=org.id,
        metadata_modified=out.metadata_modified,
        metadata_created=out.metadata_created,
        body=_unique(body),
        facets={k: v for k, v in facets.items() if v},
    )
