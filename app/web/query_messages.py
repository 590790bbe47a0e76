"""The search parser's mistakes, worded for the reader in Japanese or English.

The parser (`app.search.query`) raises `QuerySyntaxError` with an English message that the
APIs return unchanged (CKAN's "Search Query Error"); the web page instead shows a message
in the reader's language chosen by the error's `kind`, with its position and field.
"""

from __future__ import annotations

from collections.abc import Callable

from app.errors import SearchQueryError
from app.search.query import QuerySyntaxError

Gettext = Callable[[str], str]


def query_message(exc: SearchQueryError, _: Gettext) -> tuple[str, str]:
    """(message for the reader, the parser's English detail when no message fits: "")."""
    syntax = exc.syntax
    if not isinstance(syntax, QuerySyntaxError):
        return _("検索条件を読み取れませんでした。"), exc.message
    values = {"pos": syntax.position or 0, "field": syntax.field or ""}
    kind = syntax.kind
    if kind == "unbalanced_quote":
        text = _('%(pos)s文字目の " が閉じられていません。" で閉じるか消してください。')
    elif kind == "lone_minus":
        text = _("%(pos)s文字目の - の後に語がありません。除外は -語 と続けて書きます。")
    elif kind == "empty_field_value":
        text = _("%(pos)s文字目の「%(field)s:」に値がありません（例: %(field)s:値）。")
    elif kind == "dangling_or":
        text = _("%(pos)s文字目の OR の前後には語が必要です（例: 保育 OR 子育て）。")
    elif kind == "or_with_exclusion":
        text = _("OR と除外（-語）は一緒に使えません。どちらかを外してください。")
    elif kind == "or_mixed":
        text = _("OR でつなげるのは検索語どうし、または同じ項目の絞り込みどうしです。")
    else:
        return _("検索条件を読み取れませんでした。"), exc.message
    return text % values, ""
