"""The columns of 自治体標準オープンデータセット 06 "オープンデータ一覧" (a row = dataset × file).

Layout (42 columns, header names): デジタル庁's データセット定義書 as seen in real files and
importers — /work/shared/data/datagojp-facts.md §4b; the 41-column header of a real municipal
file (codeforinzai/open-data-inzai original/122319_open_data_list.csv, which has no
データセット_関連ドキュメント and writes ファイル形式 without "_"); SHIRASAGI's importer
(shirasagi app/models/concerns/opendata/metadata/csv_importer.rb), which reads the same names
and accepts ファイル_形式 as well as ファイル形式, and falls back to the old 推奨データセット
names (§4c). Headers are read by NAME, so column order does not matter.
"""

from __future__ import annotations

import unicodedata

# (our key, official header), in the order of the definition (B in §4b).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("municipality_code", "全国地方公共団体コード"),
    ("dataset_id", "データセット_ID"),
    ("organization_name", "地方公共団体名"),
    ("dataset_title", "データセット_タイトル"),
    ("dataset_subtitle", "データセット_サブタイトル"),
    ("dataset_description", "データセット_概要"),
    ("keywords", "データセット_キーワード"),
    ("category", "データセット_分類"),
    ("universal_menu", "データセット_ユニバーサルメニュー"),
    ("published_date", "データセット_公開日"),
    ("dataset_updated", "データセット_最終更新日"),
    ("version", "データセット_バージョン"),
    ("language", "データセット_言語"),
    ("dataset_url", "データセット_URL"),
    ("update_frequency", "データセット_更新頻度"),
    ("conforms_to", "データセット_準拠する標準"),
    ("related_documents", "データセット_関連ドキュメント"),
    ("provenance", "データセット_来歴情報"),
    ("spatial_coverage", "データセット_対象地域"),
    ("temporal_coverage", "データセット_対象期間"),
    ("contact_name", "データセット_連絡先名称"),
    ("contact_email", "データセット_連絡先メールアドレス"),
    ("contact_phone", "データセット_連絡先電話番号"),
    ("contact_extension", "データセット_連絡先内線番号"),
    ("contact_form_url", "データセット_連絡先FormURL"),
    ("contact_notes", "データセット_連絡先備考（その他、SNSなど）"),
    ("dataset_notes", "データセット_備考"),
    ("file_title", "ファイル_タイトル"),
    ("file_access_url", "ファイル_アクセスURL"),
    ("file_download_url", "ファイル_ダウンロードURL"),
    ("file_description", "ファイル_説明"),
    ("file_format", "ファイル形式"),
    ("file_license", "ファイル_ライセンス"),
    ("file_status", "ファイル_ステータス"),
    ("file_size", "ファイル_サイズ"),
    ("file_published_date", "ファイル_公開日"),
    ("file_updated", "ファイル_最終更新日"),
    ("file_terms", "ファイル_利用規約"),
    ("file_related_documents", "ファイル_関連ドキュメント"),
    ("file_language", "ファイル_言語"),
    ("file_conforms_to", "ファイル_準拠する標準"),
    ("api_available", "ファイル_API対応有無"),
)
HEADERS: dict[str, str] = dict(COLUMNS)  # key -> official header

# Other names for the same column: ファイル_形式 (SHIRASAGI reads both) and the old 15-column
# 推奨データセット names (§4c; SHIRASAGI's fallbacks).
ALIASES: dict[str, str] = {
    "ファイル_形式": "file_format",
    "都道府県コード又は市区町村コード": "municipality_code",
    "NO": "dataset_id",
    "データ名称": "dataset_title",
    "データ概要": "dataset_description",
    "登録日": "published_date",
    "最終更新日": "dataset_updated",
    "URL": "dataset_url",
    "更新頻度": "update_frequency",
    "ライセンス": "file_license",
    "備考": "dataset_notes",
    "データ形式": "file_format",
}
# Old layout: the organisation name is split in two; both are kept together.
SPLIT_NAME = ("都道府県名", "市区町村名")

# Columns that describe the dataset (the same on every row of one データセット_ID); the rest
# describe the file.
DATASET_KEYS = frozenset(k for k, _ in COLUMNS[:27])


def header_key(text: str) -> str:
    """How headers are compared: NFKC (full-width letters, brackets), no blanks."""
    return "".join(unicodedata.normalize("NFKC", text).split())


_LOOKUP: dict[str, str] = {header_key(h): k for k, h in COLUMNS} | {
    header_key(h): k for h, k in ALIASES.items()
}


def column_for(header: str) -> str | None:
    """Our key for a header cell (official name or alias, any width), None when unknown."""
    return _LOOKUP.get(header_key(header))
