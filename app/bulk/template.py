"""The downloadable オープンデータ一覧 template: the 42 headers and one example row.

CSV in UTF-8 with a BOM (Excel for Windows opens BOM-less UTF-8 as Shift_JIS and garbles it);
XLSX written with openpyxl (python-calamine only reads). The example is a made-up AED list of
札幌市 with a date in 和暦 to show that both calendars are read.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from app.bulk.columns import COLUMNS

EXAMPLE: dict[str, str] = {
    "municipality_code": "011002",
    "dataset_id": "011002-aed",
    "organization_name": "北海道札幌市",
    "dataset_title": "AED設置箇所一覧",
    "dataset_description": "市内の公共施設に設置しているAEDの一覧です。",
    "keywords": "AED;救急",
    "category": "社会保障・衛生",
    "published_date": "2024/1/19",
    "dataset_updated": "令和6年4月1日",
    "language": "ja",
    "dataset_url": "https://www.example.lg.jp/opendata/aed.html",
    "update_frequency": "毎年",
    "conforms_to": "自治体標準オープンデータセット",
    "spatial_coverage": "北海道札幌市",
    "contact_name": "札幌市 保健福祉局",
    "contact_email": "opendata@example.lg.jp",
    "file_title": "AED設置箇所一覧（CSV）",
    "file_access_url": "https://www.example.lg.jp/opendata/aed.html",
    "file_download_url": "https://www.example.lg.jp/opendata/011002_aed.csv",
    "file_description": "名称・所在地・緯度経度・設置位置",
    "file_format": "CSV",
    "file_license": "CC BY 4.0",
    "file_status": "配信中",
    "file_size": "12345",
    "file_published_date": "2024/1/19",
    "file_updated": "2024/4/1",
    "file_language": "ja",
    "api_available": "無",
}


def _rows() -> list[list[str]]:
    return [[h for _, h in COLUMNS], [EXAMPLE.get(k, "") for k, _ in COLUMNS]]


def template_csv() -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(_rows())
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "オープンデータ一覧"
    for row in _rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
