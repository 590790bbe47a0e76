"""Read an オープンデータ一覧 (CSV or XLSX bytes) into rows keyed by column, headers by name.

Input: the file's bytes. XLSX is recognised by its ZIP signature (whatever the file is called)
and read with python-calamine (Rust; read-only; date cells arrive as `datetime`); CSV is
decoded as UTF-8 with BOM when it starts with one, else UTF-8 when the bytes decode strictly,
else CP932 (Windows' Shift_JIS, which has ①, ㈱, 髙 that plain Shift_JIS lacks). The encoding
used is reported. Cells are kept as text (dates from XLSX date cells as YYYY-MM-DD); turning
text into values is the service's job (`app.bulk.rows`).

Errors: `ListRefused` (a 4xx for the whole file: too big, too many rows, not a table we read,
no title column) with a Japanese msgid and its params.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from app.bulk.columns import SPLIT_NAME, column_for

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX is a ZIP: its parts are checked before python-calamine inflates them (zip bomb,
# OWASP "File Upload" cheat sheet). 200 MB holds a MAX_ROWS list of 42 text columns with room
# to spare; real workbooks compress ~5-20x, a bomb 1000x and more.
MAX_XLSX_INFLATED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_PARTS = 1000
_HEADER_SEARCH = 5  # a title line above the header is tolerated


class ListRefused(ValueError):
    """The whole file is refused; msgid (Japanese gettext msgid) and params say what to fix."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


@dataclass
class ListRow:
    number: int  # the row number the clerk sees in Excel (header row = 1)
    values: dict[str, str]  # column key -> cell text (stripped)
    unknown: dict[str, str]  # header as written -> cell text, for columns we do not know


@dataclass
class ParsedList:
    encoding: str  # "xlsx", "utf-8-sig", "utf-8" or "cp932"
    headers: dict[str, str]  # column key -> the header as written in the file
    unknown_headers: list[str]
    rows: list[ListRow] = field(default_factory=list)


def detect_encoding(data: bytes) -> str:
    """utf-8-sig when the BOM is there, utf-8 when the bytes decode strictly, else cp932."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number: 122319.0 -> 122319
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()


def _csv_rows(data: bytes) -> tuple[str, Iterator[list[str]]]:
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ListRefused(
            "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）の CSV で保存してください"
            "（%(position)s バイト目）",
            position=str(exc.start + 1),
        ) from exc
    return encoding, csv.reader(io.StringIO(text, newline=""))


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        rows: Iterable[list[Any]] = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own error types for any broken workbook
        raise ListRefused(
            "Excel ファイルを読めません（%(reason)s）。.xlsx 形式で保存し直してください",
            reason=type(exc).__name__,
        ) from exc
    for row in rows:
        yield [_cell_text(v) for v in row]


def check_zip(data: bytes) -> None:
    """ListRefused unless the ZIP's parts inflate to at most MAX_XLSX_INFLATED bytes in all,
    at most MAX_XLSX_RATIO times the file, in at most MAX_XLSX_PARTS parts. The parts are
    inflated here (in 1 MB steps, nothing kept) so a size the ZIP misstates is caught too."""
    refused = ListRefused(
        "Excel ファイルを展開すると大きすぎます（%(limit)s MB 超、または圧縮率 %(ratio)s 倍超）。"
        "ファイルを分けるか、不要なシートを消して保存し直してください",
        limit=str(MAX_XLSX_INFLATED // 1048576),
        ratio=str(MAX_XLSX_RATIO),
    )
    cap = min(MAX_XLSX_INFLATED, max(len(data), 1024 * 1024) * MAX_XLSX_RATIO)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_XLSX_PARTS:
                raise ListRefused(
                    "Excel ファイルの部品が多すぎます（%(count)s 個、上限 %(limit)s 個）。"
                    ".xlsx 形式で保存し直してください",
                    count=f"{len(parts):,}",
                    limit=f"{MAX_XLSX_PARTS:,}",
                )
            if sum(part.file_size for part in parts) > cap:
                raise refused
            inflated = 0
            for part in parts:
                with archive.open(part) as stream:
                    while chunk := stream.read(1024 * 1024):
                        inflated += len(chunk)
                        if inflated > cap:
                            raise refused
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        zlib.error,
    ) as exc:
        raise ListRefused(
            "Excel ファイルを読めません（%(reason)s）。.xlsx 形式で保存し直してください",
            reason=type(exc).__name__,
        ) from exc
    except RuntimeError as exc:  # an encrypted part
        raise ListRefused(
            "Excel ファイルを読めません（%(reason)s）。.xlsx 形式で保存し直してください",
            reason="encrypted",
        ) from exc


def read_rows(data: bytes) -> tuple[str, Iterator[list[str]]]:
    """(encoding or "xlsx", the table's rows as lists of cell text)."""
    if len(data) > MAX_BYTES:
        raise ListRefused(
            "ファイルが大きすぎます（%(size)s MB）。"
            "%(limit)s MB 以下に分けてアップロードしてください",
            size=f"{len(data) / 1048576:.1f}",
            limit=str(MAX_BYTES // 1048576),
        )
    if data.startswith(b"PK\x03\x04"):
        check_zip(data)
        return "xlsx", _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ListRefused(
            "古い Excel 形式（.xls）は読めません。.xlsx または CSV で保存し直してください"
        )
    if not data.strip():
        raise ListRefused("ファイルが空です。オープンデータ一覧の CSV または XLSX を選んでください")
    return _csv_rows(data)


def parse(data: bytes, *, max_rows: int = MAX_ROWS) -> ParsedList:
    """The list's rows by column key; ListRefused when the file cannot be a オープンデータ一覧."""
    encoding, rows = read_rows(data)
    number = 0
    header: list[str] | None = None
    for cells in rows:
        number += 1
        if any(column_for(c) for c in cells):
            header = cells
            break
        if number >= _HEADER_SEARCH:
            break
    if header is None:
        raise ListRefused(
            "見出し行が見つかりません。1行目に「データセット_タイトル」などの項目名を入れてください"
            "（テンプレートをダウンロードできます）"
        )
    keys: list[str | None] = []
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for cell in header:
        key = column_for(cell) if cell else None
        if key is not None and key in headers:
            key = None  # a second column of the same name is kept as unknown, not merged
        if key is not None:
            headers[key] = cell
        elif cell and cell not in SPLIT_NAME:
            unknown.append(cell)
        keys.append(key)
    if "dataset_title" not in headers:
        raise ListRefused(
            "「データセット_タイトル」列がありません。オープンデータ一覧の見出し行を確認してください"
        )
    parsed = ParsedList(encoding=encoding, headers=headers, unknown_headers=unknown)
    for cells in rows:
        number += 1
        if not any(cells):
            continue
        if len(parsed.rows) >= max_rows:
            raise ListRefused(
                "行数が多すぎます（上限 %(limit)s 行）。ファイルを分けてアップロードしてください",
                limit=f"{max_rows:,}",
            )
        values: dict[str, str] = {}
        extra: dict[str, str] = {}
        for index, cell in enumerate(cells):
            text = cell.strip()
            if not text:
                continue
            key = keys[index] if index < len(keys) else None
            if key is not None:
                values[key] = text
            elif index < len(header) and header[index] in SPLIT_NAME:
                values["organization_name"] = values.get("organization_name", "") + text
            else:
                name = header[index] if index < len(header) and header[index] else f"列{index + 1}"
                extra[name] = text
        parsed.rows.append(ListRow(number=number, values=values, unknown=extra))
    return parsed


def sniff(data: bytes) -> str:
    """The quick checks a form can answer at once (size, empty, .xls, encoding, and for CSV a
    header row among the first lines); the encoding or "xlsx". ListRefused when wrong."""
    if len(data) > MAX_BYTES or data.startswith(b"PK\x03\x04"):
        return read_rows(data)[0]
    head = data[: 64 * 1024]
    if len(head) < len(data):  # cut at a line end: 0x0A is never inside a UTF-8/CP932 character
        head = head[: head.rfind(b"\n") + 1] or head
        if detect_encoding(head) != detect_encoding(data):
            head = data
    encoding, rows = read_rows(head)
    for number, cells in enumerate(rows, start=1):
        if any(column_for(c) for c in cells):
            return encoding
        if number >= _HEADER_SEARCH:
            break
    raise ListRefused(
        "オープンデータ一覧として読めません。1行目に「データセット_タイトル」などの項目名がある"
        "CSV または XLSX を選んでください（テンプレートをダウンロードできます）"
    )
