"""Bulk-upload benchmark: preview of a 10,000-row オープンデータ一覧 (what the clerk waits for).

    python bench/bulk_upload.py              # 10,000 rows (5,000 datasets × 2 files), CP932 CSV
    python bench/bulk_upload.py --rows 2000
    python bench/bulk_upload.py --no-save     # preview only (the save of 5,000 datasets is slow)

Builds a fresh SQLite database (migrations + seed, as `catalog init`) and a CP932 CSV of the
real shape (42 columns, Japanese text, 和暦 and 西暦 dates), then times in the same run:
- the floor: decoding the bytes and one bare `csv.reader` pass over them;
- parse: `app.bulk.open_data_list.parse` (encoding detection, headers by name, rows);
- preview, all new: `app.bulk.service.preview` on an empty organisation (grouping, mapping,
  the dataset service's validation on transient objects, nothing written);
- apply: saving every dataset through the dataset service in one transaction;
- preview again, all unchanged: the re-upload of the same file (matching + comparison);
and prints rows/s, seconds and the ratio to the floor for each. Also XLSX parse of the same
rows (python-calamine), against openpyxl's read-only reader as the alternative.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import migrate
from app.accounts.actor import Actor
from app.bulk import service
from app.bulk.open_data_list import parse
from app.catalog import references
from app.catalog.seed_loader import load_seed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from tests.bulk.lists import row, to_csv, to_xlsx


def _rows(n: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        dataset = i // 2 + 1
        extra = {"データセット_最終更新日": f"令和{2 + dataset % 6}年{1 + dataset % 12}月1日"}
        if i % 2:
            extra |= {
                "ファイル_タイトル": f"facility_{dataset}.xlsx",
                "ファイル_ダウンロードURL": f"https://example.jp/od/facility_{dataset}.xlsx",
                "ファイル形式": "xlsx",
            }
        out.append(row(dataset, **extra))
    return out


def _timed(label: str, n: int, floor: float | None, work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    took = time.perf_counter() - start
    ratio = f"  {took / floor:6.1f}× floor" if floor else ""
    print(f"{label:<34} {took:7.2f} s  {n / took:9.0f} rows/s{ratio}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--no-save", action="store_true", help="skip the save and the re-upload (slow at 10k)"
    )
    args = parser.parse_args()
    n = args.rows
    rows = _rows(n)
    data = to_csv(rows, "cp932")
    print(f"{n} rows, {n // 2} datasets, CP932 CSV {len(data) / 1e6:.1f} MB")
    floor = _timed(
        "floor: decode + csv.reader",
        n,
        None,
        lambda: sum(1 for _ in csv.reader(io.StringIO(data.decode("cp932")))),
    )
    parsed = parse(data)
    _timed("parse (CSV)", n, floor, lambda: parse(data))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        sessions = make_sessionmaker(make_engine(url))
        with session_scope(sessions) as session:
            load_seed(session, Settings(database_url=url, base_uri="http://bench.test"))
            org = references.organization(session, "011002")
            assert org is not None
            actor = Actor(user_id=None, name="bench", sysadmin=True)
        plans: list[service.UploadPlan] = []

        def preview() -> None:
            with sessions() as session:
                plans.append(service.preview(session, actor, "011002", parse(data)))
                session.rollback()

        _timed("parse + preview (all new)", n, floor, preview)
        assert plans[-1].count("new") == n, plans[-1].issues[:3]

        def apply() -> None:
            with session_scope(sessions) as session:
                service.apply(session, actor, plans[-1])

        if not args.no_save:
            _timed("apply (save all)", n, floor, apply)
            _timed("parse + preview (all unchanged)", n, floor, preview)
            assert plans[-1].count("unchanged") == n
    book = to_xlsx(rows)
    _timed("parse (XLSX, python-calamine)", n, floor, lambda: parse(book))

    def openpyxl_pass() -> None:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(book), read_only=True).active
        assert sheet is not None
        sum(1 for _ in sheet.iter_rows(values_only=True))

    _timed("  (openpyxl read-only, bare pass)", n, floor, openpyxl_pass)
    del parsed


if __name__ == "__main__":
    main()
