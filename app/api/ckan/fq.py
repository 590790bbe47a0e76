"""The one Lucene-subset parser of package_search: `q`, `fq` and `fq_list`, read into search
filters and a text query (the grammar is documented in the README, "Search syntax").

Every value is NFKC-normalised first, as the indexed text is (`Ｗｉｆｉ` finds `Wifi`). In `q`,
bare words and phrases combine with AND/OR/NOT/`+`/`-`/parentheses into the text query; a
`field:value` (or `field: value`) clause is a filter as in `fq`.

Supported, because real clients send them (ckanext-harvest, ckanapi users, CKAN's own UI):

* `field:value`, `field:"quoted value"`, `field:(a OR b)`, backslash escapes;
* ranges `field:[X TO Y]` (`{}` for exclusive ends) over metadata_modified / metadata_created,
  with `*`, ISO dates (`2024-01-01T00:00:00.000000Z`) and `NOW` date math (`NOW-7DAYS/DAY`);
* `a OR b` between clauses on one field (one filter with both values), `AND`, `NOT`,
  `+`/`-`/`!` prefixes, parentheses;
* bare words, which Solr would match against the text: they join `q`.

`dataset_type:dataset`, `state:active` and `site_id:*` are what CKAN adds itself and are
accepted as no-ops; `+state:(active OR draft)` asks for drafts. Anything else the catalogue
cannot answer exactly (unknown fields, wildcards, OR across fields) is a SearchQueryError:
a wrong answer to a filter would be worse than a clear refusal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.api.ckan.solr_dates import parse_date
from app.errors import SearchQueryError
from app.search.params import FILTER_FIELDS, RANGE_FIELDS, FieldFilter, RangeFilter

# Solr field names CKAN clients use that are spelled differently here.
ALIASES = {"tag": "tags", "organization_name": "organization", "group": "groups"}
NO_OP_FIELDS = frozenset({"site_id", "entity_type"})
# CKAN's Solr fields this catalogue has no filter for: asked for in `q`, they are refused by
# name (other `word:word` in `q`, such as a time 10:30, stay plain text).
UNANSWERABLE_FIELDS = frozenset(
    {
        "title",
        "notes",
        "author",
        "author_email",
        "maintainer",
        "maintainer_email",
        "url",
        "version",
        "license",
        "res_name",
        "res_description",
        "res_url",
        "res_type",
        "urls",
        "ckan_url",
        "download_url",
        "revision_id",
        "title_string",
        "extras",
    }
)
ONE_MICROSECOND = timedelta(microseconds=1)
# Parentheses deeper than this are refused: the parser recurses once per level, and 1,000
# levels ended in RecursionError, a 500 (found by a fresh helper).
MAX_DEPTH = 32


@dataclass
class FilterQuery:
    filters: list[FieldFilter] = field(default_factory=list)
    ranges: list[RangeFilter] = field(default_factory=list)
    # Bare words for the full-text query (Solr matches them against the text field).
    terms: list[str] = field(default_factory=list)
    # Filters on an owner_org id, to be turned into organisation names by the caller.
    owner_orgs: list[FieldFilter] = field(default_factory=list)
    include_drafts: bool = False
    # A clause no dataset can satisfy (e.g. dataset_type:harvest): the answer is empty.
    matches_nothing: bool = False
    # Reading `q`: an unknown non-CKAN field name is text (`10:30`), not an error.
    text_mode: bool = False


# ---------------------------------------------------------------- lexing


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(", ")", "op", "prefix", "clause", "term"
    text: str = ""
    field: str = ""
    # For clauses: "value", "quoted", "range", "group".
    value_kind: str = ""


def _read_until(s: str, i: int, stop: str) -> tuple[str, int]:
    """Read an unquoted run with backslash escapes until whitespace or a char of `stop`."""
    out: list[str] = []
    while i < len(s) and not s[i].isspace() and s[i] not in stop:
        if s[i] == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        out.append(s[i])
        i += 1
    return "".join(out), i


def _read_quoted(s: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    i += 1
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        if s[i] == '"':
            return "".join(out), i + 1
        out.append(s[i])
        i += 1
    raise SearchQueryError(f"Unbalanced quote in the query: {s!r}")


def _read_closing(s: str, i: int, closers: str, what: str) -> tuple[str, int]:
    end = i + 1
    while end < len(s) and s[end] not in closers:
        end += 1
    if end >= len(s):
        raise SearchQueryError(f"Unclosed {what} in the query: {s!r}")
    return s[i : end + 1], end + 1


def _lex(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append(_Tok(c))
            i += 1
        elif s.startswith(("&&", "||"), i):
            toks.append(_Tok("op", "AND" if c == "&" else "OR"))
            i += 2
        elif c in "+-!" and i + 1 < len(s) and not s[i + 1].isspace():
            toks.append(_Tok("prefix", c))
            i += 1
        elif c == '"':
            text, i = _read_quoted(s, i)
            toks.append(_Tok("term", text, value_kind="quoted"))
        else:
            word, i = _read_until(s, i, "():")
            if i < len(s) and s[i] == ":" and word:
                tok, i = _lex_value(s, i + 1, word)
                toks.append(tok)
            elif word in ("AND", "OR", "NOT"):
                toks.append(_Tok("op", word))
            elif word:
                toks.append(_Tok("term", word, value_kind="value"))
            else:
                raise SearchQueryError(f"Unexpected {s[i]!r} in the query: {s!r}")
    return toks


def _lex_value(s: str, i: int, name: str) -> tuple[_Tok, int]:
    while i < len(s) and s[i].isspace():
        i += 1  # `field: value`, as Lucene reads it
    if i >= len(s) or s[i] == ")":
        raise SearchQueryError(f"Missing value after {name}: in the query")
    if s[i] == '"':
        text, i = _read_quoted(s, i)
        return _Tok("clause", text, name, "quoted"), i
    if s[i] in "[{":
        text, i = _read_closing(s, i, "]}", "range")
        return _Tok("clause", text, name, "range"), i
    if s[i] == "(":
        text, i = _read_closing(s, i, ")", "parenthesis")
        return _Tok("clause", text[1:-1], name, "group"), i
    text, i = _read_until(s, i, "()")
    return _Tok("clause", text, name, "value"), i


# ---------------------------------------------------------------- parsing


@dataclass
class _Node:
    """One clause, or an OR of clauses ("any") / an AND of them ("all")."""

    kind: str  # "leaf", "any", "all"
    negate: bool = False
    tok: _Tok | None = None
    children: list[_Node] = field(default_factory=list)


def _parse(toks: list[_Tok], pos: int, depth: int) -> tuple[list[_Node], int]:
    nodes: list[_Node] = []
    negate = False
    join_or = False
    while pos < len(toks):
        tok = toks[pos]
        pos += 1
        if tok.kind == ")":
            if depth == 0:
                raise SearchQueryError("Unbalanced ')' in the query")
            break
        if tok.kind == "op":
            if tok.text == "NOT":
                negate = not negate
            elif tok.text == "OR":
                if not nodes or join_or:
                    raise SearchQueryError("OR needs a clause on both sides in the query")
                join_or = True
            continue
        if tok.kind == "prefix":
            negate = negate or tok.text in "-!"
            continue
        if tok.kind == "(":
            if depth >= MAX_DEPTH:
                raise SearchQueryError(
                    f"Parentheses are nested more than {MAX_DEPTH} deep in the query: flatten them"
                )
            inner, pos = _parse(toks, pos, depth + 1)
            if pos > len(toks) or toks[pos - 1].kind != ")":
                raise SearchQueryError("Unbalanced '(' in the query")
            node = inner[0] if len(inner) == 1 else _Node("all", children=inner)
            if negate:
                node = _Node(node.kind, not node.negate, node.tok, node.children)
        else:
            node = _Node("leaf", negate, tok)
        negate = False
        if join_or:
            last = nodes.pop()
            chain = last.kind == "any" and not last.negate
            children = [*last.children, node] if chain else [last, node]
            nodes.append(_Node("any", children=children))
            join_or = False
        else:
            nodes.append(node)
    else:
        if depth > 0:
            raise SearchQueryError("Unbalanced '(' in the query")
    if join_or or negate:
        raise SearchQueryError("A filter query cannot end with OR, NOT or a prefix")
    return nodes, pos


# ---------------------------------------------------------------- values


def _range(tok: _Tok, negate: bool, now: datetime) -> RangeFilter:
    raw = tok.text
    inner = raw[1:-1].strip()
    parts = re.split(r"\s+TO\s+", inner)
    if len(parts) != 2:
        raise SearchQueryError(f"A range looks like [X TO Y], not {raw!r}")
    start = parse_date(parts[0].strip(), now)
    end = parse_date(parts[1].strip(), now)
    if start is not None and raw[0] == "{":
        start += ONE_MICROSECOND
    if end is not None and raw[-1] == "}":
        end -= ONE_MICROSECOND
    return RangeFilter(field=tok.field, start=start, end=end, negate=negate)


def _values(tok: _Tok) -> tuple[str, ...]:
    """The values of a clause: one, or several for `field:(a OR b)`."""
    if tok.value_kind != "group":
        values: tuple[str, ...] = (tok.text,)
    else:
        nodes, _pos = _parse(_lex(tok.text), 0, 0)
        if len(nodes) != 1:
            raise SearchQueryError(f"Use {tok.field}:(a OR b) to give several values")
        node = nodes[0]
        leaves = node.children if node.kind == "any" else [node]
        if node.negate or any(
            n.kind != "leaf" or n.negate or n.tok is None or n.tok.kind != "term" for n in leaves
        ):
            raise SearchQueryError(f"Cannot read the values of {tok.field}:({tok.text})")
        values = tuple(n.tok.text for n in leaves if n.tok is not None)
    for value in values:
        if tok.value_kind != "quoted" and ("*" in value or "?" in value):
            raise SearchQueryError(f"Wildcards are not supported in filters: {value!r}")
    return values


# ---------------------------------------------------------------- to filters


def _leaf(
    node: _Node, out: FilterQuery, now: datetime, values: tuple[str, ...] | None = None
) -> None:
    """One clause; `values` (from an OR of clauses on this field) replaces the clause's own."""
    tok = node.tok
    assert tok is not None
    if tok.kind == "term":
        word = _term_text(tok)
        out.terms.append(f"-{word}" if node.negate else word)
        return
    name = ALIASES.get(tok.field, tok.field)
    if name in RANGE_FIELDS:
        if tok.value_kind != "range":
            start = parse_date(tok.text, now)
            out.ranges.append(RangeFilter(name, start, start, node.negate))
        else:
            out.ranges.append(_range(_Tok("clause", tok.text, name, "range"), node.negate, now))
        return
    if tok.value_kind == "range":
        raise SearchQueryError(f"Ranges are only supported on {', '.join(sorted(RANGE_FIELDS))}")
    values = values or _values(tok)
    if name in NO_OP_FIELDS:
        return
    if name in ("dataset_type", "type"):
        # Every dataset here has type "dataset".
        if ("dataset" in values) == node.negate:
            out.matches_nothing = True
        return
    if name == "state":
        _state(values, node.negate, out)
        return
    if name == "owner_org":
        out.owner_orgs.append(FieldFilter("organization", values, node.negate))
        return
    if name == "text":
        out.terms.extend(f"-{v}" if node.negate else v for v in values)
        return
    if (
        name not in FILTER_FIELDS
        and out.text_mode
        and (name not in UNANSWERABLE_FIELDS and not name.startswith(("extras_", "vocab_")))
    ):
        word = f"{tok.field}:{_term_text(tok)}"
        out.terms.append(f"-{word}" if node.negate else word)
        return
    if name not in FILTER_FIELDS:
        known = ", ".join(sorted(FILTER_FIELDS | RANGE_FIELDS | {"owner_org", "dataset_type"}))
        raise SearchQueryError(f"Unknown field {tok.field!r} in the query; known: {known}")
    out.filters.append(FieldFilter(name, values, node.negate))


def _state(values: tuple[str, ...], negate: bool, out: FilterQuery) -> None:
    states = set(values)
    if negate or not states <= {"active", "draft"} or "active" not in states:
        raise SearchQueryError("Only state:active or state:(active OR draft) can be asked for")
    out.include_drafts = out.include_drafts or "draft" in states


def _term_text(tok: _Tok) -> str:
    return f'"{tok.text}"' if tok.value_kind == "quoted" else tok.text


def _any(node: _Node, out: FilterQuery, now: datetime) -> None:
    """`f:a OR f:b` is one filter; OR across fields or with ranges cannot be answered."""
    toks = [n.tok for n in node.children if n.kind == "leaf" and not n.negate and n.tok]
    if len(toks) != len(node.children):
        raise SearchQueryError("OR is only supported between plain clauses in the query")
    if all(t.kind == "term" for t in toks):
        if node.negate:  # NOT (a OR b) = -a -b
            out.terms.extend(f"-{_term_text(t)}" for t in toks)
        else:
            out.terms.append(" OR ".join(_term_text(t) for t in toks))
        return
    names = {ALIASES.get(t.field, t.field) for t in toks}
    if any(t.kind != "clause" or t.value_kind == "range" for t in toks) or len(names) != 1:
        raise SearchQueryError("OR is only supported between values of one field in the query")
    merged = tuple(v for t in toks for v in _values(t))
    _leaf(_Node("leaf", node.negate, toks[0]), out, now, merged)


def _collect(nodes: list[_Node], out: FilterQuery, now: datetime) -> None:
    for node in nodes:
        if node.kind == "leaf":
            _leaf(node, out, now)
        elif node.kind == "any":
            _any(node, out, now)
        elif node.negate:
            raise SearchQueryError("NOT (a AND b) is not supported in the query")
        else:
            _collect(node.children, out, now)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def parse_filters(texts: list[str], now: datetime) -> FilterQuery:
    """Read every fq / fq_list string (NFKC-normalised); all of their clauses must hold (AND).

    Raises SearchQueryError naming the construct that cannot be answered exactly.
    """
    out = FilterQuery()
    for text in texts:
        nodes, _pos = _parse(_lex(_nfkc(text)), 0, 0)
        _collect(nodes, out, now)
    return out


def parse_query(q: str, fqs: list[str], now: datetime) -> FilterQuery:
    """`q` and the fq strings with the same grammar: `q`'s words and phrases become `terms`
    (the text query: AND of clauses, `a OR b` alternatives, `-word` exclusions), its
    `field:value` clauses filters. Raises SearchQueryError for what cannot be answered."""
    out = parse_filters(fqs, now)
    text = _nfkc(q).strip()
    if text and text not in ("*:*", "*", '""', "''"):
        out.text_mode = True
        nodes, _pos = _parse(_lex(text), 0, 0)
        _collect(nodes, out, now)
        out.text_mode = False
    return out
