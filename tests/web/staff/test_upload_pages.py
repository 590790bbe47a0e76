"""The bulk-upload pages over HTTP (API token auth, no browser): templates, refusals with a
clear 4xx, ownership of an upload, and the whole flow preview -> save -> re-upload."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile

import pytest
from fastapi.testclient import TestClient

from app.bulk.columns import COLUMNS
from app.bulk.open_data_list import MAX_BYTES, parse
from app.config import Settings
from app.main import create_app
from tests.bulk.acceptance import BAD_DATE_ROW, BAD_URL_ROW, acceptance_rows
from tests.bulk.lists import SAPPORO, to_csv, to_xlsx
from tests.conftest import Account, Accounts, Backend

CHIYODA = "131016"


@pytest.fixture
def web(backend: Backend, tmp_path: object) -> TestClient:
    settings = Settings(
        database_url=backend.url,
        base_uri="http://catalog.test",
        search_memory="wait",
        bulk_upload_dir=str(tmp_path),
    )
    with TestClient(create_app(settings)) as client:
        yield client  # type: ignore[misc]


def _upload(web: TestClient, user: Account, data: bytes, name: str, org: str = SAPPORO) -> str:
    response = web.post(
        "/dataset/upload",
        data={"organization": org},
        files={"file": (name, data)},
        headers=user.headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _ready(web: TestClient, user: Account, location: str, status: int = 200) -> str:
    for _ in range(600):
        page = web.get(location, headers=user.headers)
        assert page.status_code in (200, status)
        if "data-auto-refresh" not in page.text:
            return page.text
        time.sleep(0.2)
    raise AssertionError("the preview did not finish")


def test_templates_have_the_42_headers_and_open_in_excel(web: TestClient) -> None:
    as_csv = web.get("/dataset/upload/template.csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    header = next(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert header == [h for _, h in COLUMNS]
    as_xlsx = web.get("/dataset/upload/template.xlsx")
    parsed = parse(as_xlsx.content)
    assert parsed.encoding == "xlsx" and len(parsed.headers) == 42 and len(parsed.rows) == 1


def test_form_refuses_missing_wrong_and_too_large_files(web: TestClient, users: Accounts) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    form = web.get("/dataset/upload", headers=clerk.headers)
    assert form.status_code == 200 and 'name="file"' in form.text
    assert form.headers["cache-control"] == "no-store"
    none = web.post("/dataset/upload", data={"organization": SAPPORO}, headers=clerk.headers)
    assert none.status_code == 400 and "ファイルを選んでください" in none.text
    pdf = web.post(
        "/dataset/upload",
        data={"organization": SAPPORO},
        files={"file": ("list.pdf", b"%PDF-1.4 not a list")},
        headers=clerk.headers,
    )
    assert pdf.status_code == 400 and "オープンデータ一覧として読めません" in pdf.text
    big = web.post(
        "/dataset/upload",
        data={"organization": SAPPORO},
        files={"file": ("big.csv", b"a" * (MAX_BYTES + 1))},
        headers=clerk.headers,
    )
    assert big.status_code == 413 and "ファイルが大きすぎます" in big.text


def test_an_editor_cannot_upload_into_another_organisation(
    web: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    response = web.post(
        "/dataset/upload",
        data={"organization": CHIYODA},
        files={"file": ("list.csv", to_csv(acceptance_rows()))},
        headers=clerk.headers,
    )
    assert response.status_code == 400 and "組織を選んでください" in response.text


def test_upload_preview_save_and_reupload(web: TestClient, users: Accounts) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    other = users.make("other", org=SAPPORO)
    before = web.get(f"/api/v1/datasets?organization={SAPPORO}").json()["total"]
    location = _upload(web, clerk, to_xlsx(acceptance_rows(date_cells=True)), "一覧.xlsx")
    assert web.get(location, headers=other.headers).status_code == 404  # bound to its user
    preview = _ready(web, clerk, location)
    assert "新規: 18 行" in preview and "エラー: 2 行" in preview
    assert re.search(rf">{BAD_DATE_ROW}</td><td>データセット_最終更新日</td>.*平成", preview)
    assert re.search(rf">{BAD_URL_ROW}</td><td>ファイル_ダウンロードURL</td>", preview)
    assert web.get(f"/api/v1/datasets?organization={SAPPORO}").json()["total"] == before
    web.post(f"{location}/save", headers=clerk.headers, follow_redirects=False)
    saved = _ready(web, clerk, location)  # the save runs in the background, then the result
    assert "新規 18 件" in saved
    names = re.findall(r'<li><a href="/dataset/([^"]+)"', saved)
    assert len(names) == 18
    for name in names:
        assert web.get(f"/api/v1/datasets/{name}").json()["title"].startswith("髙島地区")
    assert web.get(f"/api/v1/datasets?organization={SAPPORO}").json()["total"] == before + 18
    again = _upload(web, clerk, to_csv(acceptance_rows(date_cells=True), "cp932"), "一覧.csv")
    preview = _ready(web, clerk, again)
    assert "cp932" in preview and "変更なし: 18 行" in preview and "新規: 0 行" in preview
    web.post(f"{again}/save", headers=clerk.headers, follow_redirects=False)
    assert "新規 0 件、更新 0 件、変更なし 18 件" in _ready(web, clerk, again)


def test_a_workbook_that_cannot_be_read_fails_with_a_4xx_page(
    web: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    # A sound ZIP (it passes the form's checks) that holds no workbook: calamine refuses it.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hello.txt", "not a workbook")
    location = _upload(web, clerk, buffer.getvalue(), "list.xlsx")
    for _ in range(300):
        page = web.get(location, headers=clerk.headers)
        if "data-auto-refresh" not in page.text:
            break
        time.sleep(0.2)
    assert page.status_code == 422
    assert "Excel ファイルを読めません" in page.text and "何も保存していません" in page.text


def test_preview_filters_by_outcome_and_names_changed_columns(
    web: TestClient, users: Accounts
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    rows = acceptance_rows()[:5]
    first = _upload(web, clerk, to_csv(rows), "list.csv")
    _ready(web, clerk, first)
    web.post(f"{first}/save", headers=clerk.headers, follow_redirects=False)
    _ready(web, clerk, first)
    rows[0]["データセット_概要"] = "書き直した概要"
    second = _upload(web, clerk, to_csv(rows), "list.csv")
    page = _ready(web, clerk, second)
    assert "更新: 1 行" in page and "エラー: 1 行" in page and "変更なし: 3 行" in page
    updates = web.get(f"{second}?outcome=update", headers=clerk.headers).text
    body = updates.split('id="rows"', 1)[1]
    assert body.count("outcome--update") == 1 and "outcome--unchanged" not in body
    assert "データセット_概要" in body  # the changed field, named by its column
    errors = web.get(f"{second}?outcome=error", headers=clerk.headers).text
    assert f">{BAD_DATE_ROW}</td><td>データセット_最終更新日" in errors
    assert "outcome--update" not in errors.split('id="rows"', 1)[1]


def _bomb(inflated: int, parts: int = 1) -> bytes:
    """A ZIP (what an .xlsx is) whose parts inflate to `inflated` bytes of zeros in all."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(parts):
            with archive.open(f"xl/worksheets/sheet{index}.xml", "w") as part:
                left = inflated // parts
                while left > 0:
                    part.write(bytes(min(left, 1024 * 1024)))
                    left -= 1024 * 1024
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_bomb(150 * 1024 * 1024), "展開すると大きすぎます"),  # ~150 KB that inflates 1000x
        (_bomb(0, parts=1001), "部品が多すぎます"),
        (b"PK\x03\x04 not really a zip", "Excel ファイルを読めません"),
    ],
    ids=["zip-bomb", "too-many-parts", "broken-zip"],
)
def test_form_refuses_a_zip_bomb_and_a_broken_zip_at_once(
    web: TestClient, users: Accounts, data: bytes, message: str
) -> None:
    clerk = users.make("clerk", org=SAPPORO)
    response = web.post(
        "/dataset/upload",
        data={"organization": SAPPORO},
        files={"file": ("list.xlsx", data)},
        headers=clerk.headers,
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert message in response.text
