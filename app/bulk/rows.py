"""Rows of one データセット_ID -> the dataset input the dataset service takes, with issues.

Mapping of the columns (app.bulk.columns keys) to our fields:
- dataset: title, notes (概要), tags (キーワード, ";"-separated), categories (分類, resolved),
  issued/modified (公開日/最終更新日), version, language, url (データセット_URL), frequency
  (更新頻度), conforms_to (準拠する標準 when a URL; else kept as the extra `conforms_to_label`
  and tried as a standard-dataset kind), spatial (対象地域), temporal_start/end (対象期間),
  contact_name/contact_email/contact_url (連絡先名称/メールアドレス/FormURL), publisher_name
  (地方公共団体名), spatial_code (the organisation's code);
  extras: identifier (データセット_ID), subtitle, universal_menu, related_documents,
  provenance, contact_phone, contact_extension, contact_notes, remarks (備考), and every
  column we do not know, under its header as written;
- each row with a file -> one resource: name, url (アクセスURL, else ダウンロードURL),
  download_url, description, format, license_id, size, created/last_modified, language;
  extras status, terms, related_documents, conforms_to, api_available.
Licences, categories and frequencies we cannot place are kept (remote_* extras, as
app.datasets.placement does for harvested records) and reported as warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.bulk.columns import DATASET_KEYS, HEADERS
from app.bulk.normalise import DateError, nfkc, parse_date, parse_period, parse_size
from app.bulk.open_data_list import ListRow
from app.catalog.references import Vocabulary, standard_kind
from app.common.validate import is_http_url
from app.datasets.assemble import RESERVED_EXTRAS
from app.datasets.vocab import normalise_frequency

DATASET_EXTRAS = {
    "dataset_id": "identifier",
    "dataset_subtitle": "subtitle",
    "universal_menu": "universal_menu",
    "related_documents": "related_documents",
    "provenance": "provenance",
    "contact_phone": "contact_phone",
    "contact_extension": "contact_extension",
    "contact_notes": "contact_notes",
    "dataset_notes": "remarks",
}
FILE_EXTRAS = {
    "file_status": "status",
    "file_terms": "terms",
    "file_related_documents": "related_documents",
    "file_conforms_to": "conforms_to",
    "api_available": "api_available",
}
DATASET_TEXT = {
    "dataset_title": "title",
    "dataset_description": "notes",
    "version": "version",
    "dataset_url": "url",
    "spatial_coverage": "spatial",
    "contact_name": "contact_name",
    "contact_email": "contact_email",
    "contact_form_url": "contact_url",
    "organization_name": "publisher_name",
}
FILE_COLUMNS = ("file_title", "file_access_url", "file_download_url")
# Our field -> the column its value came from (to point a service message at a cell).
FIELD_COLUMN: dict[str, str] = {v: k for k, v in DATASET_TEXT.items()} | {
    "tags": "keywords",
    "categories": "category",
    "issued": "published_date",
    "modified": "dataset_updated",
    "language": "language",
    "frequency": "update_frequency",
    "conforms_to": "conforms_to",
    "temporal_start": "temporal_coverage",
    "temporal_end": "temporal_coverage",
    "license_id": "file_license",
    "standard_kind": "conforms_to",
}
RESOURCE_COLUMN: dict[str, str] = {
    "name": "file_title",
    "url": "file_access_url",
    "download_url": "file_download_url",
    "description": "file_description",
    "format": "file_format",
    "license_id": "file_license",
    "size": "file_size",
    "language": "file_language",
    "created": "file_published_date",
    "last_modified": "file_updated",
}
_LIST_SPLIT = re.compile(r"\s*[;；]\s*")


@dataclass
class Issue:
    """One message for the clerk: row as in Excel, column as written in the header."""

    row: int
    column: str  # column key (app.bulk.columns) or, for unknown columns, the header
    msgid: str  # Japanese gettext msgid with %(name)s placeholders
    params: dict[str, str] = field(default_factory=dict)
    level: str = "error"  # "error" or "warning"


@dataclass
class Group:
    """The rows of one dataset and what they say."""

    key: str  # データセット_ID, else "title:" + title
    rows: list[ListRow]
    values: dict[str, Any] = field(default_factory=dict)  # DatasetCreate keyword arguments
    file_rows: list[int] = field(default_factory=list)  # row number of each resource
    issues: list[Issue] = field(default_factory=list)


def extra_key(header: str) -> str:
    """The extra an unknown column is kept in: its header, unless that is a field's name (the
    service refuses extras that shadow fields) or one of the extras we write ourselves."""
    taken = header in RESERVED_EXTRAS or header in DATASET_EXTRAS.values()
    return f"列_{header}" if taken or header.startswith("remote_") else header


def group_key(row: ListRow) -> str:
    ident = nfkc(row.values.get("dataset_id", ""))
    return ident if ident else "title:" + row.values.get("dataset_title", "")


def _split(text: str) -> list[str]:
    return [part for part in _LIST_SPLIT.split(text.strip()) if part]


def _when(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


def _date(group: Group, row: ListRow, key: str) -> date | None:
    try:
        return parse_date(row.values.get(key, ""))
    except DateError as exc:
        group.issues.append(Issue(row.number, key, exc.msgid, exc.params))
        return None


def _dataset_values(group: Group, vocab: Vocabulary) -> dict[str, Any]:
    """The dataset-level cells: the first row that has a value wins; a later row saying
    otherwise is reported (the clerk probably meant one dataset but typed two)."""
    cells: dict[str, tuple[int, str]] = {}
    for row in group.rows:
        for key, cell in row.values.items():
            if key not in DATASET_KEYS or key == "municipality_code":
                continue
            if key not in cells:
                cells[key] = (row.number, cell)
            elif cells[key][1] != cell:
                group.issues.append(
                    Issue(
                        row.number,
                        key,
                        "同じデータセットの %(first)s 行目と値が違います。"
                        "%(first)s 行目の値を使います",
                        {"first": str(cells[key][0])},
                        "warning",
                    )
                )
    text = {key: value for key, (_, value) in cells.items()}
    where = {key: number for key, (number, _) in cells.items()}
    out: dict[str, Any] = {f: text[k] for k, f in DATASET_TEXT.items() if k in text}
    extras: dict[str, str] = {e: text[k] for k, e in DATASET_EXTRAS.items() if k in text}
    if "dataset_id" in text:
        extras["identifier"] = nfkc(text["dataset_id"])
    if "keywords" in text:
        out["tags"] = _split(text["keywords"])
    if "category" in text:
        out["categories"] = _split(text["category"])
        for ref in out["categories"]:
            if vocab.category(ref) is None:
                group.issues.append(
                    Issue(
                        where["category"],
                        "category",
                        "分類「%(value)s」はこのカタログの17分類にありません。"
                        "追加情報 remote_categories に保存します",
                        {"value": ref},
                        "warning",
                    )
                )
    for key, name in (("published_date", "issued"), ("dataset_updated", "modified")):
        if key in text:
            row = next(r for r in group.rows if r.number == where[key])
            out[name] = _when(_date(group, row, key))
    if "language" in text:
        out["language"] = nfkc(text["language"]).lower()
    if "update_frequency" in text:
        raw = nfkc(text["update_frequency"])
        code = normalise_frequency(raw)
        if code is None:
            extras["remote_frequency"] = raw
            group.issues.append(
                Issue(
                    where["update_frequency"],
                    "update_frequency",
                    "更新頻度「%(value)s」は読めません（例: 毎年、毎月、不定期）。"
                    "追加情報 remote_frequency に保存します",
                    {"value": raw},
                    "warning",
                )
            )
        else:
            out["frequency"] = code
    if "conforms_to" in text:
        value = text["conforms_to"]
        if is_http_url(value):
            out["conforms_to"] = value
        else:
            extras["conforms_to_label"] = value
            kind = standard_kind(value)
            if kind is not None:
                out["standard_kind"] = kind
    if "temporal_coverage" in text:
        period = parse_period(text["temporal_coverage"])
        if period is None:
            extras["temporal_label"] = text["temporal_coverage"]
        else:
            out["temporal_start"], out["temporal_end"] = period
    for row in group.rows:
        for header, value in row.unknown.items():
            key = extra_key(header)
            if key not in extras:
                extras[key] = value
            elif value not in extras[key].split(" | "):
                extras[key] = f"{extras[key]} | {value}"
    out["extras"] = extras
    return out


def _resource(group: Group, row: ListRow, vocab: Vocabulary) -> dict[str, Any] | None:
    cells = row.values
    if not any(cells.get(k) for k in FILE_COLUMNS):
        return None
    res: dict[str, Any] = {
        "name": cells.get("file_title", ""),
        "url": cells.get("file_access_url") or cells.get("file_download_url", ""),
        "download_url": cells.get("file_download_url", ""),
        "description": cells.get("file_description", ""),
        "format": nfkc(cells.get("file_format", "")),
        "language": nfkc(cells.get("file_language", "")).lower(),
        "extras": {e: cells[k] for k, e in FILE_EXTRAS.items() if k in cells},
    }
    licence = cells.get("file_license", "")
    if licence:
        res["license_id"] = licence
        if vocab.license(licence) is None:
            group.issues.append(
                Issue(
                    row.number,
                    "file_license",
                    "ライセンス「%(value)s」はこのカタログにありません（例: CC BY 4.0、"
                    "公共データ利用規約）。追加情報 remote_license に保存します",
                    {"value": licence},
                    "warning",
                )
            )
    if "file_size" in cells:
        try:
            res["size"] = parse_size(cells["file_size"])
        except ValueError:
            group.issues.append(
                Issue(
                    row.number,
                    "file_size",
                    "ファイルサイズ「%(value)s」はバイト数（数字）で書いてください",
                    {"value": cells["file_size"]},
                )
            )
    created = _date(group, row, "file_published_date")
    updated = _date(group, row, "file_updated")
    if created:
        res["created"] = _when(created)
    if updated:
        res["last_modified"] = _when(updated)
    return res


def build(group: Group, vocab: Vocabulary) -> None:
    """Fill `group.values` (DatasetCreate keyword arguments, references not yet placed),
    `group.file_rows` and the issues found in the cells."""
    values = _dataset_values(group, vocab)
    if not values.get("title"):
        group.issues.append(
            Issue(
                group.rows[0].number,
                "dataset_title",
                "データセット_タイトルが空です。データセットの名前を入れてください",
            )
        )
    resources: list[dict[str, Any]] = []
    for row in group.rows:
        res = _resource(group, row, vocab)
        if res is not None:
            resources.append(res)
            group.file_rows.append(row.number)
    licences = [r["license_id"] for r in resources if r.get("license_id")]
    if licences:
        values["license_id"] = licences[0]  # the dataset's licence: that of its first file
    values["resources"] = resources
    group.values = values


def field_column(field: str) -> str:
    """The header a dataset field comes from, to name a change the way the clerk's list does
    ("resources" -> ファイル, "extras" -> データセット_備考 and the other kept columns)."""
    if field == "resources":
        return "ファイル"
    if field == "extras":
        return "追加情報（extras）"
    if field == "spatial_code":
        return HEADERS["municipality_code"]
    key = FIELD_COLUMN.get(field)
    return HEADERS[key] if key else field
