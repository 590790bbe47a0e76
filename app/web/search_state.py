"""The search page's state, all of it in the URL: query, filters, sort, page.

`SearchState.from_request` reads `q`, one repeated parameter per facet field (`organization`,
`prefecture`, `category`, `measure`, `tags`, `res_format`, `license_id`, `standard_kind`),
`sort` and `page`; `params()` turns it into the search service's `SearchParams`, and the URL
builders give the links that add or remove one filter (the removable chips) or change page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from fastapi import Request
from markupsafe import Markup, escape

from app.search.params import FieldFilter, SearchParams
from app.search.query import AnyOf, QuerySyntaxError, parse
from app.search.text import normalize
from app.web.render import url_for_query

# The facet fields of the search service, in the order the page shows them.
FACETS: Final = (
    "organization",
    "prefecture",
    "category",
    "measure",
    "tags",
    "res_format",
    "license_id",
    "standard_kind",
)
PER_PAGE: Final = 20
FACET_SHOWN: Final = 10  # values per facet before "more"
FACET_MORE: Final = 100
MAX_PAGE: Final = 500  # deep pages are for the API (start/cursor), not for reading
# Values kept per facet from the URL: every chip and facet link repeats all the filters, so
# the page grows with their square (2,000 tags took 17 s); more are for the API.
MAX_FILTER_VALUES: Final = 20
# Sorts offered on the page (value of the search service's `sort`).
SORTS: Final = (
    "relevance",
    "metadata_modified desc",
    "metadata_modified asc",
    "title asc",
    "name asc",
)


@dataclass
class SearchState:
    path: str = "/dataset"
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    more: str = ""  # the facet whose full list is shown
    # Filters fixed by the page (an organisation's or a measure's datasets): not chips.
    fixed: dict[str, str] = field(default_factory=dict)
    faceted: bool = True  # count the facets (all but the fixed ones)

    @classmethod
    def from_request(
        cls,
        request: Request,
        *,
        path: str | None = None,
        fixed: dict[str, str] | None = None,
        faceted: bool = True,
    ) -> SearchState:
        qp = request.query_params
        filters: dict[str, list[str]] = {}
        for name in FACETS:
            values = [v for v in dict.fromkeys(qp.getlist(name)) if v.strip()]
            values = values[:MAX_FILTER_VALUES]
            if values and name not in (fixed or {}):
                filters[name] = values
        raw_page = qp.get("page", "1")
        page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() else 1
        return cls(
            path=path or request.url.path,
            q=qp.get("q", "").strip(),
            filters=filters,
            sort=qp.get("sort", "") if qp.get("sort", "") in SORTS else "",
            page=min(max(page, 1), MAX_PAGE),
            more=qp.get("more", "") if qp.get("more", "") in FACETS else "",
            fixed=dict(fixed or {}),
            faceted=faceted,
        )

    @property
    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if self.q else "metadata_modified desc"

    def params(self) -> SearchParams:
        wanted = {**{k: tuple(v) for k, v in self.filters.items()}}
        wanted.update({k: (v,) for k, v in self.fixed.items()})
        return SearchParams(
            q=self.q,
            filters=[FieldFilter(name, values) for name, values in wanted.items()],
            sort=self.effective_sort,
            start=(self.page - 1) * PER_PAGE,
            rows=PER_PAGE,
            # A scoped list (an organisation's, a measure's datasets) facets the rest.
            facet_fields=[f for f in FACETS if f not in self.fixed] if self.faceted else [],
            facet_limit=FACET_MORE,
        )

    # ------------------------------------------------------------------ URLs

    def _items(
        self, filters: dict[str, list[str]], *, page: int = 1, more: str = ""
    ) -> list[tuple[str, str]]:
        items = [("q", self.q)]
        items += [(name, v) for name in FACETS for v in filters.get(name, [])]
        items.append(("sort", self.sort))
        if page > 1:
            items.append(("page", str(page)))
        if more:
            items.append(("more", more))
        return items

    def url(self, page: int = 1) -> str:
        return url_for_query(self.path, self._items(self.filters, page=page, more=self.more))

    def with_value(self, name: str, value: str) -> str:
        """Add `value` to facet `name` (back to page 1)."""
        filters = {k: list(v) for k, v in self.filters.items()}
        filters.setdefault(name, [])
        if value not in filters[name]:
            filters[name].append(value)
        return url_for_query(self.path, self._items(filters, more=self.more))

    def without_value(self, name: str, value: str) -> str:
        """Remove `value` from facet `name` (a chip's link)."""
        filters = {
            k: [x for x in v if not (k == name and x == value)] for k, v in self.filters.items()
        }
        return url_for_query(self.path, self._items(filters, more=self.more))

    def without_query(self) -> str:
        return url_for_query(self.path, self._items(self.filters)[1:])

    def clear_all(self) -> str:
        return self.path

    def show_more(self, name: str) -> str:
        return url_for_query(self.path, self._items(self.filters, page=self.page, more=name))

    def selected(self, name: str, value: str) -> bool:
        return value in self.filters.get(name, [])

    @property
    def chips(self) -> list[tuple[str, str]]:
        return [(name, v) for name in FACETS for v in self.filters.get(name, [])]

    @property
    def active(self) -> bool:
        return bool(self.q or self.filters)


def query_words(q: str) -> list[str]:
    """The words and phrases of `q` a snippet should mark (filters and exclusions left out)."""
    try:
        parsed = parse(q, frozenset(FACETS))
    except QuerySyntaxError:
        return []
    words: list[str] = []
    for clause in parsed.positive:
        terms = clause.terms if isinstance(clause, AnyOf) else (clause,)
        words += [t.text for t in terms]
    return [w for w in words if w.strip()]


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One character as the search folds it (cached: a page folds ~80,000 of them)."""
    return normalize(ch) or (" " if ch.isspace() else "")


def snippet(text: str, words: list[str], width: int = 120) -> Markup:
    """About `width` characters of `text` around the first query word found, the word marked.

    Matching follows the search's folding (NFKC, case, hiragana/katakana), character by
    character, so the marked span is the original text's.
    """
    text = " ".join(text[:4000].split())
    if not text:
        return Markup("")
    if not words:  # nothing to mark (scoped lists, no query): no folding needed
        return Markup(escape(text[:width]) + ("…" if len(text) > width else ""))
    normal: list[str] = []
    owner: list[int] = []  # normalised char -> index of the original char
    for i, ch in enumerate(text):
        folded = _fold(ch)
        normal.append(folded)
        owner += [i] * len(folded)
    joined = "".join(normal)
    hit: tuple[int, int] | None = None
    for word in words:
        needle = normalize(word)
        pos = joined.find(needle) if needle else -1
        if pos >= 0:
            hit = (owner[pos], owner[pos + len(needle) - 1] + 1)
            break
    if hit is None:
        cut = text[:width]
        return Markup(escape(cut) + ("…" if len(text) > width else ""))
    start = max(0, hit[0] - width // 3)
    end = min(len(text), start + width)
    return Markup(
        ("…" if start > 0 else "")
        + escape(text[start : hit[0]])
        + Markup("<mark>")
        + escape(text[hit[0] : hit[1]])
        + Markup("</mark>")
        + escape(text[hit[1] : end])
        + ("…" if end < len(text) else "")
    )
