"""Small オープンデータ一覧 files of the real shape (header names as in municipal files), built
in code: rows as {header: value}, written as CSV (any encoding) or XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from app.bulk.columns import COLUMNS

SAPPORO = "011002"  # 札幌市, in the seed
HEADERS = [h for _, h in COLUMNS]


def row(n: int, *, code: str = SAPPORO, ident: str | None = None, **cells: Any) -> dict[str, Any]:
    """One dataset × file row: dataset n with one CSV file."""
    base: dict[str, Any] = {
        "全国地方公共団体コード": code,
        "データセット_ID": ident if ident is not None else f"{code}-{n:04d}",
        "地方公共団体名": "北海道札幌市",
        "データセット_タイトル": f"公共施設一覧 その{n}",
        "データセット_概要": f"札幌市の公共施設の一覧（{n}）。",
        "データセット_キーワード": "施設;公共",
        "データセット_分類": "教育・文化・スポーツ・生活",
        "データセット_公開日": "2024/1/19",
        "データセット_最終更新日": "令和6年2月5日",
        "データセット_言語": "ja",
        "データセット_URL": "https://www.city.sapporo.jp/opendata/",
        "データセット_更新頻度": "毎年",
        "データセット_準拠する標準": "自治体標準オープンデータセット",
        "データセット_対象地域": "北海道札幌市",
        "ファイル_タイトル": f"facility_{n}.csv",
        "ファイル_アクセスURL": "https://www.city.sapporo.jp/opendata/",
        "ファイル_ダウンロードURL": f"https://www.city.sapporo.jp/opendata/facility_{n}.csv",
        "ファイル_説明": "施設の名称と所在地",
        "ファイル形式": "csv",
        "ファイル_ライセンス": "CC BY 4.0",
        "ファイル_ステータス": "配信中",
        "ファイル_公開日": "2024/1/19",
        "ファイル_最終更新日": "2024-02-05",
        "ファイル_言語": "ja",
    }
    base.update(cells)
    return base


def to_csv(
    rows: list[dict[str, Any]], encoding: str = "utf-8", headers: list[str] | None = None
) -> bytes:
    heads = headers or HEADERS
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(heads)
    for r in rows:
        writer.writerow([r.get(h, "") for h in heads])
    return out.getvalue().encode(encoding)


def to_xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    """Dates in 公開日 columns written as real date cells when given as datetime."""
    heads = headers or HEADERS
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(heads)
    for r in rows:
        sheet.append([r.get(h, "") for h in heads])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
