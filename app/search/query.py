"""The user query language: parser to a typed AST, and FTS5 / tsquery renderers.

Syntax (the query is NFKC-normalised first, so ``＂`` is ``"``, ``－`` is ``-``,
``：`` is ``:`` and the full-width space separates terms like any whitespace):

* ``保育 避難``        — terms separated by whitespace are ANDed;
* ``"避難 場所"``      — ASCII double quotes make one phrase term (only those:
  ``“…”`` and ``「…」`` are ordinary characters);
* ``a OR b``           — ``OR`` (uppercase, unquoted) between terms; it binds tighter
  than AND: ``a b OR c`` = ``a AND (b OR c)``;
* ``-term``, ``-"phrase"`` — exclusion (``-`` directly in front);
* ``field:value``, ``field:"quoted value"``, ``-field:value`` — filters, for the
  fields in the caller's allow-list (matched case-insensitively); ``f:a OR f:b`` is
  one filter with several alternative values.  ``xxx:yyy`` with an unknown field is
  a plain term.

Syntax errors (:class:`QuerySyntaxError`): unbalanced ``"``, ``OR`` without a term
on both sides, a lone ``-``, an empty field value, and ``OR`` joining an exclusion,
a filter with a term, or filters on different fields.

Terms without any searchable character (``。``, ``""``) are dropped.  How a term
matches text is defined in :mod:`app.search.text`; the renderers only combine the
terms' phrases.  Filters are returned for the caller to apply; the renderers ignore
them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from app.search.text import PREFIX_MARK, query_tokens

__all__ = [
    "AnyOf",
    "Clause",
    "Filter",
    "Query",
    "QuerySyntaxError",
    "Term",
    "parse",
    "to_fts5",
    "to_fts5_any",
    "to_tsquery",
]

_OR: Final = "OR"
_SAFE_TOKEN: Final = re.compile(r"[0-9a-z]+")


# Distinct search terms a query may hold (words, OR alternatives and exclusions together).
# Each costs PostgreSQL an index probe (~15-30 ms at 100k datasets) and exclusions grow worse
# than linearly; 45,000 words made its parser fail ("stack depth limit exceeded", a 500).
# Solr bounds the same thing with maxBooleanClauses (1,024 by default); a person's query
# holds a handful.
MAX_TERMS = 100
# Index tokens a query may hold in all (a Japanese run gives about one per character): one
# 14,000-character word made PostgreSQL fail the same way ("stack depth limit exceeded").
MAX_TOKENS = 1000


class QuerySyntaxError(ValueError):
    """The query string is malformed; the message (English) is meant for the user.

    `kind` names the mistake for surfaces that word it themselves (the web pages, in the
    reader's language): unbalanced_quote, lone_minus, empty_field_value, dangling_or,
    or_with_exclusion, or_mixed, too_many_terms (more than `MAX_TERMS`; the pages show their
    generic message with this English one). `position` is 1-based in the query string;
    `field` is the filter field of an empty_field_value.
    """

    def __init__(
        self, message: str, kind: str, position: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.position = position
        self.field = field


@dataclass(frozen=True, slots=True)
class Term:
    """A word or quoted phrase (NFKC-normalised, otherwise as typed)."""

    text: str
    quoted: bool = False

    @property
    def tokens(self) -> tuple[str, ...]:
        """Index tokens that must occur as a phrase (see :func:`query_tokens`)."""
        return tuple(query_tokens(self.text))


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``a OR b OR …``: at least one of the terms matches (always ≥ 2 terms)."""

    terms: tuple[Term, ...]


Clause = Term | AnyOf
C = TypeVar("C", Term, Clause)


@dataclass(frozen=True, slots=True)
class Filter:
    """``field:value`` (``values`` has several entries for ``f:a OR f:b``)."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """Parsed query: ``positive`` clauses are ANDed, ``negative`` terms excluded."""

    positive: tuple[Clause, ...] = ()
    negative: tuple[Term, ...] = ()
    filters: tuple[Filter, ...] = ()

    @property
    def has_text(self) -> bool:
        """True if there is anything for the full-text index to do."""
        return bool(self.positive or self.negative)


# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True, slots=True)
class _Item:
    """A lexed unit: a term, a filter, or the OR operator (``term`` and ``filter`` None)."""

    pos: int
    term: Term | None = None
    filter: Filter | None = None
    negated: bool = False


def _closing_quote(s: str, open_pos: int) -> int:
    end = s.find('"', open_pos + 1)
    if end < 0:
        raise QuerySyntaxError(
            f'unbalanced quote: the " at position {open_pos + 1} is never closed',
            "unbalanced_quote",
            open_pos + 1,
        )
    return end


def _lex(s: str, fields: dict[str, str]) -> list[_Item]:
    items: list[_Item] = []
    n = len(s)
    i = 0
    while i < n:
        if s[i].isspace():
            i += 1
            continue
        start = i
        negated = False
        if s[i] == "-":
            if i + 1 == n or s[i + 1].isspace():
                raise QuerySyntaxError(
                    f"lone '-' at position {i + 1}: write -word to exclude a word",
                    "lone_minus",
                    i + 1,
                )
            negated = True
            i += 1
        if s[i] == '"':
            end = _closing_quote(s, i)
            items.append(_Item(start, term=Term(s[i + 1 : end], quoted=True), negated=negated))
            i = end + 1
            continue
        j = i
        while j < n and not s[j].isspace() and s[j] != '"':
            j += 1
        word = s[i:j]
        i = j
        if word == _OR and not negated:
            items.append(_Item(start))
            continue
        name, colon, value = word.partition(":")
        canonical = fields.get(name.casefold()) if colon else None
        if canonical is None:
            items.append(_Item(start, term=Term(word), negated=negated))
            continue
        if not value and i < n and s[i] == '"':
            end = _closing_quote(s, i)
            value = s[i + 1 : end]
            i = end + 1
        value = value.strip()
        if not value:
            raise QuerySyntaxError(
                f"empty value for field '{canonical}:' at position {start + 1}",
                "empty_field_value",
                start + 1,
                canonical,
            )
        items.append(_Item(start, filter=Filter(canonical, (value,), negated), negated=negated))
    return items


# --------------------------------------------------------------------------- parser


def _is_or(item: _Item) -> bool:
    return item.term is None and item.filter is None


def _group(items: list[_Item]) -> list[list[_Item]]:
    """Split the item list into OR-chains (a chain of one item is a plain item)."""
    groups: list[list[_Item]] = []
    expect_operand = False  # True right after an OR
    for item in items:
        if _is_or(item):
            if not groups or expect_operand:
                raise QuerySyntaxError(
                    f"dangling OR at position {item.pos + 1}: OR needs a term on both sides",
                    "dangling_or",
                    item.pos + 1,
                )
            expect_operand = True
            continue
        if expect_operand:
            groups[-1].append(item)
            expect_operand = False
        else:
            groups.append([item])
    if expect_operand:
        last_or = next(it for it in reversed(items) if _is_or(it))
        raise QuerySyntaxError(
            f"dangling OR at position {last_or.pos + 1}: OR needs a term on both sides",
            "dangling_or",
            last_or.pos + 1,
        )
    return groups


def _merge_or(group: list[_Item]) -> Clause | Filter | None:
    """An OR-chain of ≥ 2 items → AnyOf (terms) or one multi-value Filter."""
    if any(it.negated for it in group):
        raise QuerySyntaxError(
            "OR cannot be combined with an excluded (-) term or filter", "or_with_exclusion"
        )
    filters = [it.filter for it in group if it.filter is not None]
    if filters:
        if len(filters) != len(group) or len({f.field for f in filters}) != 1:
            raise QuerySyntaxError(
                "OR can join search terms, or filters on the same field, but not a mix",
                "or_mixed",
            )
        values = tuple(dict.fromkeys(v for f in filters for v in f.values))
        return Filter(filters[0].field, values)
    terms = [it.term for it in group if it.term is not None and it.term.tokens]
    unique = _once(terms)
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else AnyOf(unique)


def parse(q: str, fields: frozenset[str] = frozenset()) -> Query:
    """Parse the user query *q*; *fields* is the allow-list for ``field:value`` filters."""
    s = unicodedata.normalize("NFKC", q)
    field_map = {f.casefold(): f for f in fields}
    positive: list[Clause] = []
    negative: list[Term] = []
    filters: list[Filter] = []
    for group in _group(_lex(s, field_map)):
        if len(group) > 1:
            merged = _merge_or(group)
            if isinstance(merged, Filter):
                filters.append(merged)
            elif merged is not None:
                positive.append(merged)
            continue
        item = group[0]
        if item.filter is not None:
            filters.append(item.filter)
        elif item.term is not None and item.term.tokens:
            (negative if item.negated else positive).append(item.term)
    # A clause said twice asks nothing more (AND/NOT), and each costs the database its own
    # index probe: "川 " x 2,500 took ~88 s at 100k datasets before it was said once. Terms are
    # the same when their index tokens are (what every backend matches): 川 and 川↑ are one.
    query = Query(_once(positive), _once(negative), tuple(dict.fromkeys(filters)))
    check_size(query)
    return query


def check_size(query: Query) -> None:
    """Raise QuerySyntaxError (kind too_many_terms) when the text part of `query` holds more
    than `MAX_TERMS` terms or `MAX_TOKENS` index tokens. `parse` checks; a caller that adds
    terms afterwards (compile's title:/notes:/text: filters) checks again."""
    terms = [*query.negative]
    for clause in query.positive:
        terms += clause.terms if isinstance(clause, AnyOf) else (clause,)
    if len(terms) > MAX_TERMS:
        raise QuerySyntaxError(
            f"The query has {len(terms)} different search terms; at most {MAX_TERMS} are "
            "allowed. Remove some words",
            "too_many_terms",
        )
    tokens = sum(len(term.tokens) for term in terms)
    if tokens > MAX_TOKENS:
        raise QuerySyntaxError(
            f"The query is too long to search ({tokens} index tokens; at most {MAX_TOKENS}, "
            "about as many characters of Japanese text). Shorten it",
            "too_many_terms",
        )


def _once(clauses: list[C]) -> tuple[C, ...]:
    """`clauses` without those matching the same tokens as an earlier one, in order."""
    kept: dict[object, C] = {}
    for clause in clauses:
        key = (
            clause.tokens if isinstance(clause, Term) else frozenset(t.tokens for t in clause.terms)
        )
        kept.setdefault(key, clause)
    return tuple(kept.values())


# --------------------------------------------------------------------------- renderers


def _checked(token: str) -> tuple[str, bool]:
    """(token without prefix mark, is_prefix); refuses anything but [0-9a-z]+."""
    prefix = token.endswith(PREFIX_MARK)
    bare = token[: -len(PREFIX_MARK)] if prefix else token
    if not _SAFE_TOKEN.fullmatch(bare):
        raise ValueError(f"unexpected search token {token!r}")
    return bare, prefix


def _fts5_term(term: Term) -> str:
    tokens = [_checked(t) for t in term.tokens]
    if not tokens:
        raise ValueError(f"term {term.text!r} has no searchable characters")
    # Quote defensively (tokens are [0-9a-z]+ anyway); "…"* marks the last token as prefix.
    phrase = '"' + " ".join(t.replace('"', '""') for t, _ in tokens) + '"'
    return phrase + "*" if tokens[-1][1] else phrase


def _fts5_clause(clause: Clause) -> str:
    if isinstance(clause, Term):
        return _fts5_term(clause)
    return "(" + " OR ".join(_fts5_term(t) for t in clause.terms) + ")"


def to_fts5_any(clauses: Sequence[Clause]) -> str:
    """FTS5 expression matching rows that match *any* of *clauses*.

    For the all-negative case: ``… WHERE rowid NOT IN (SELECT rowid FROM fts WHERE fts
    MATCH to_fts5_any(query.negative))``.
    """
    if not clauses:
        raise ValueError("no clauses to render")
    return " OR ".join(_fts5_clause(c) for c in clauses)


def to_fts5(query: Query) -> str:
    """FTS5 MATCH expression for the text part of *query* (filters are ignored).

    FTS5 cannot evaluate a pure negation, so *query* must have a positive clause
    (ValueError otherwise; see :func:`to_fts5_any` for the all-negative case).
    """
    if not query.positive:
        raise ValueError("FTS5 needs at least one positive term (query.positive is empty)")
    expr = " AND ".join(_fts5_clause(c) for c in query.positive)
    if query.negative:
        expr = f"({expr}) NOT ({to_fts5_any(query.negative)})"
    return expr


def _ts_term(term: Term) -> str:
    parts: list[str] = []
    for token in term.tokens:
        bare, prefix = _checked(token)
        quoted = "'" + bare.replace("\\", "\\\\").replace("'", "''") + "'"
        parts.append(quoted + ":*" if prefix else quoted)
    if not parts:
        raise ValueError(f"term {term.text!r} has no searchable characters")
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


def _ts_clause(clause: Clause) -> str:
    if isinstance(clause, Term):
        return _ts_term(clause)
    return "(" + " | ".join(_ts_term(t) for t in clause.terms) + ")"


def to_tsquery(query: Query) -> str:
    """Text for ``to_tsquery('simple', …)`` equivalent to :func:`to_fts5` (filters ignored).

    Unlike FTS5, a query with only exclusions renders fine (``!a & !b``).
    """
    parts = [_ts_clause(c) for c in query.positive]
    parts += ["!" + _ts_term(t) for t in query.negative]
    if not parts:
        raise ValueError("the query has no search terms")
    return " & ".join(parts)
