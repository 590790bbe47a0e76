"""The acceptance list: 20 rows of an オープンデータ一覧 in Japanese with CP932-only characters
(①, ㈱, 髙), two of them bad (a 和暦 date outside its era; a javascript: download URL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.bulk.lists import SAPPORO, row

BAD_DATE_ROW = 6  # Excel row numbers (header = 1)
BAD_URL_ROW = 13


def acceptance_rows(*, date_cells: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n in range(1, 21):
        cells: dict[str, Any] = {
            "データセット_タイトル": f"髙島地区 施設一覧①-{n:02d}",
            "データセット_概要": f"㈱髙島屋前を含む地区の施設 {n} 件目の一覧です。",
            "データセット_ID": f"{SAPPORO}-acc-{n:02d}",
        }
        if date_cells:
            cells["データセット_公開日"] = datetime(2024, 1, n)
        rows.append(row(n, **cells))
    rows[BAD_DATE_ROW - 2]["データセット_最終更新日"] = "平成31年5月1日"
    rows[BAD_URL_ROW - 2]["ファイル_ダウンロードURL"] = "javascript:alert(1)"
    return rows
