"""Service-layer validation messages (English, `app.errors.Invalid.fields`) in the reader's
language, per message kind.

The rules live in the service layer (`app.datasets.assemble`, `app.common.validate`) and the
schema types (pydantic); this module only recognises which rule spoke and says what to fix in
the UI language. A message it does not recognise is shown as the service wrote it, after a
translated lead-in, so nothing the service said is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError

Gettext = Callable[[str], str]


def _kinds(_: Gettext) -> list[tuple[re.Pattern[str], str]]:
    """(pattern on the service's message, message in the UI language with %(value)s etc.)."""
    rows = [
        (r"^Missing value: every dataset belongs", _("組織を選んでください。")),
        (
            r"^Organization '(?P<value>.*)' does not exist",
            _("組織「%(value)s」は見つかりません。一覧から選んでください。"),
        ),
        (
            r"^That URL is already in use",
            _("このURL名はすでに使われています。別のURL名にしてください。"),
        ),
        (r"^Already in use|^Already exists", _("すでに使われています。別の値にしてください。")),
        (
            r"^Must be 2-100 characters of lowercase ASCII",
            _(
                "URL名は半角英小文字・数字・ハイフン（-）・下線（_）の2〜100文字で入力してください"
                "（日本語はタイトルに書きます）。"
            ),
        ),
        (
            r"^Must not have the form of a UUID",
            _("URL名にUUIDの形は使えません。別のURL名にしてください。"),
        ),
        (
            r"^The URL contains .* \(U\+(?P<code>[0-9A-F]+)\) at character (?P<position>\d+)",
            _(
                "URLの%(position)s文字目に空白または制御文字（U+%(code)s）があります。"
                "取り除くか、%%20 のようにエンコードしてください。"
            ),
        ),
        (
            r"^Please provide a valid http:// or https:// URL",
            _("http:// または https:// で始まるURLを入力してください。"),
        ),
        (
            r"^Please provide a valid e-mail address",
            _("メールアドレスの形式で入力してください（例: opendata@city.example.lg.jp）。"),
        ),
        (
            r"^Unknown licence '(?P<value>.*)'",
            _("ライセンス「%(value)s」は登録されていません。一覧から選んでください。"),
        ),
        (r"^Unknown frequency", _("更新頻度は一覧から選んでください。")),
        (
            r"^Use an ISO 639-1 code",
            _("言語は ja や en のような2文字の言語コードで入力してください。"),
        ),
        (
            r"^Not a valid 全国地方公共団体コード",
            _(
                "全国地方公共団体コードが正しくありません。6桁の数字（最後の1桁は検査数字）です。"
                "一覧から団体を選んでください。"
            ),
        ),
        (
            r"^The end of the period must not be before its start",
            _("終了日は開始日と同じか、それより後の日付にしてください。"),
        ),
        (r"^Unknown standard-dataset kind", _("標準データセットの種別は一覧から選んでください。")),
        (
            r"^Tag '(?P<value>.*)': at most (?P<max>\d+) characters",
            _("キーワード「%(value)s」は%(max)s文字以内で、カンマを含めずに入力してください。"),
        ),
        (
            r"^Unknown categories: (?P<value>.*?) \(",
            _("カテゴリ「%(value)s」はありません。一覧から選んでください。"),
        ),
        (
            r"^Unknown measure ids: (?P<value>.*?) \(",
            _(
                "施策「%(value)s」は見つかりません。"
                "一覧から選んでください（IDは 02-22 のような形です）。"
            ),
        ),
        (r"^Must be active or draft", _("公開状態は一覧から選んでください。")),
        # Schema (pydantic) messages: see `schema_errors`.
        (
            r"^String should have at most (?P<max>\d+) characters",
            _("%(max)s文字以内で入力してください。"),
        ),
        (
            r"^Input should be a valid date",
            _("日付は 2024-04-01 のように 年-月-日 で入力してください。"),
        ),
        (
            r"^Input should be a valid datetime",
            _("日付は 2024-04-01 のように 年-月-日 で入力してください。"),
        ),
    ]
    return [(re.compile(pattern), text) for pattern, text in rows]


def translate(message: str, _: Gettext) -> str:
    """`message` from the service in the reader's language (see the module docstring)."""
    for pattern, text in _kinds(_):
        found = pattern.search(message)
        if found is not None:
            return text % {**found.groupdict(), "message": message}
    return _("入力内容を確認してください: %(message)s") % {"message": message}


def schema_errors(exc: ValidationError) -> dict[str, list[str]]:
    """pydantic's errors keyed as the service keys them (`resources__0__url`)."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        key = "__".join(loc) if loc else "__root__"
        fields.setdefault(key, []).append(error["msg"])
    return fields


def field_labels(_: Gettext) -> dict[str, str]:
    """The form's field labels (also the first column of the revision-conflict table)."""
    return {
        "title": _("タイトル"),
        "name": _("URL名"),
        "owner_org": _("組織"),
        "visibility": _("公開状態"),
        "notes": _("説明"),
        "tags": _("キーワード"),
        "license_id": _("ライセンス"),
        "standard_kind": _("標準データセット種別"),
        "categories": _("カテゴリ"),
        "measures": _("施策"),
        "spatial_code": _("地方公共団体コード"),
        "spatial": _("対象地域"),
        "temporal_start": _("対象期間（開始日）"),
        "temporal_end": _("対象期間（終了日）"),
        "frequency": _("更新頻度"),
        "issued": _("公開日"),
        "publisher_name": _("公開者"),
        "author": _("作成者"),
        "author_email": _("作成者のメールアドレス"),
        "maintainer": _("メンテナー"),
        "maintainer_email": _("メンテナーのメールアドレス"),
        "contact_name": _("問い合わせ先"),
        "contact_email": _("問い合わせ先のメールアドレス"),
        "contact_url": _("問い合わせ先のURL"),
        "url": _("ランディングページURL"),
        "language": _("言語"),
        "version": _("バージョン"),
        "conforms_to": _("準拠する標準のURL"),
        "resources__0__url": _("リソースのURL"),
        "resources__0__name": _("リソース名"),
        "resources__0__format": _("形式"),
    }


def visibility_labels(_: Gettext) -> dict[str, str]:
    return {"draft": _("下書き"), "private": _("非公開"), "public": _("公開")}
