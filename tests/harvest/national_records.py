"""Package dicts shaped like DATA.GO.JP's and e-Gov's package_show answers (built from the
shapes in /work/shared/data/datagojp-facts.md §1-3: org_NNNN/gr_NNNN codes with Japanese
titles, per-resource `resource_license_id` (DATA.GO.JP until 2022) or upper-case `license_id`
(e-Gov), e-Gov fields as extras, naive UTC metadata times and naive Japan-time resource times).
Values are made up; only the shape is real."""

from __future__ import annotations

import copy
from typing import Any

DATAGOJP_RECORD: dict[str, Any] = {
    "id": "3f0e8a52-6d1c-4b7e-9a0f-2c5d8e1b7a90",
    "name": "caa_20181122_0027",
    "title": "消費者庁 予算・決算及び調達情報",
    "notes": "消費者庁の予算・決算及び調達に関する情報です。",
    "owner_org": "0b8d6c1e-4f2a-4e3b-8c7d-9a1b2c3d4e5f",
    "organization": {
        "id": "0b8d6c1e-4f2a-4e3b-8c7d-9a1b2c3d4e5f",
        "name": "org_0900",
        "title": "消費者庁",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
    },
    "groups": [
        {
            "id": "a1b2c3d4-0000-4000-8000-000000001300",
            "name": "gr_1300",
            "title": "行財政",
            "display_name": "行財政",
        }
    ],
    "license_id": None,
    "license_title": None,
    "isopen": False,
    "author": "",
    "maintainer": "",
    "url": "",
    "version": "",
    "private": False,
    "state": "active",
    "type": "dataset",
    "num_tags": 2,
    "num_resources": 1,
    "revision_id": "9d8c7b6a-0000-4000-8000-000000000001",
    "metadata_created": "2018-12-10T02:41:05.231543",
    "metadata_modified": "2019-06-10T07:12:44.918022",
    "tags": [
        {"name": "予算", "display_name": "予算", "state": "active"},
        {
            "name": "budgets and final_accounts and procurement",
            "state": "active",
            "display_name": "budgets and final_accounts and procurement",
        },
    ],
    "extras": [
        {"key": "publisher", "value": "消費者庁"},
        {"key": "contactPoint", "value": "消費者庁 総務課 03-3507-8800"},
        {"key": "creator", "value": "消費者庁 会計室"},
        {"key": "frequency_of_update", "value": "毎年"},
        {"key": "release_date", "value": "2018-11-22"},
        {"key": "landingPage", "value": "https://www.caa.go.jp/about_us/budget/"},
        {"key": "spatial", "value": "日本"},
        {"key": "copyright", "value": "消費者庁"},
    ],
    "resources": [
        {
            "id": "7c6b5a49-0000-4000-8000-000000000027",
            "package_id": "3f0e8a52-6d1c-4b7e-9a0f-2c5d8e1b7a90",
            "name": "平成30年度 予算",
            "description": "",
            "url": "https://www.caa.go.jp/about_us/budget/pdf/h30_budget.xlsx",
            "format": "XLSX",
            "resource_license_id": "CC-BY",
            "language": "jpn",
            "created": "2018-12-10T11:41:05.231543",
            "last_modified": "2019-06-10T16:12:44",
            "position": 0,
            "state": "active",
            "size": None,
            "mimetype": None,
            "mimetype_inner": None,
            "hash": "",
            "url_type": None,
            "resource_type": None,
            "cache_url": None,
            "cache_last_updated": None,
            "datastore_active": False,
            "revision_id": "9d8c7b6a-0000-4000-8000-000000000001",
        }
    ],
}

EGOV_RECORD: dict[str, Any] = {
    "id": "e1d2c3b4-0000-4000-8000-000000000522",
    "name": "cao_20190522_0002",
    "title": "国民の祝日について",
    "notes": "「国民の祝日に関する法律」に定める国民の祝日。",
    "owner_org": "c0a0b0d0-0000-4000-8000-000000000400",
    "organization": {
        "id": "c0a0b0d0-0000-4000-8000-000000000400",
        "name": "org_0400",
        "title": "内閣府",
        "is_organization": True,
    },
    "groups": [{"name": "gr_1700", "title": "その他"}],
    "license_id": "",
    "private": False,
    "state": "active",
    "type": "dataset",
    "metadata_created": "2019-06-10T01:54:04.000000",
    "metadata_modified": "2024-02-01T00:30:00.000000",
    "publisher": "内閣府",
    "contactPoint": "https://www.cao.go.jp/others/contact.html",
    "landingPage": "https://www8.cao.go.jp/chosei/shukujitsu/gaiyou.html",
    "frequency_of_update": "毎年",
    "spatial": "日本",
    "temporal": "1955-01-01/2025-12-31",
    "tags": [{"name": "祝日"}, {"name": "holidays"}],
    "extras": [{"key": "machine_readable", "value": False}, {"key": "rank", "value": 3}],
    "resources": [
        {
            "id": "d4c3b2a1-0000-4000-8000-000000000522",
            "name": "国民の祝日（CSV形式）",
            "url": "https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv",
            "format": "CSV",
            "license_id": "CC-BY",
            "copyright": "内閣府",
            "created": "2019-06-10T10:54:04",
            "last_modified": "2024-02-01T09:30:00",
            "language": "jpn",
            "compliant_standard": "",
            "position": 0,
            "state": "active",
        }
    ],
}


def datagojp() -> dict[str, Any]:
    return copy.deepcopy(DATAGOJP_RECORD)


def egov() -> dict[str, Any]:
    return copy.deepcopy(EGOV_RECORD)
