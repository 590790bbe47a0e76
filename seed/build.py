"""Rebuild the seed JSON files from ../shared: `python -m seed.build [--shared PATH]`.

plan.json, measures.json and organizations.json are parsed from the seeds and the
local-government list; categories.json and licenses.json come from the constants
below. tests/seed/test_seed_rebuild.py proves the committed files equal a rebuild.

Licence URIs (used as dct:license): the official URI where the licence has one; for
CKAN's default ids, CKAN's own licence URL (what ckanext-dcat emits); for CKAN's generic
ids without a URL (notspecified, other-*), https://opendefinition.org/licenses/<id>/
as a stable identifier.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

from app.measures.plan import PRIORITY_FIELDS, Plan, ministries_named, parse_plan
from app.organizations.codes import is_valid_lg_code
from seed import seed_dir

TABLE_SEED = "seeds/000_58510321639a1218.txt"
MAIN_TEXT_SEED = "seeds/002_0c6f78bddebd3362.txt"
LOCAL_GOVERNMENTS = "data/local-government-codes.csv"

# The 17 e-Gov data categories, in e-Gov's order: (name, title, title_en).
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("land-weather", "国土・気象", "Land and weather"),
    ("population-households", "人口・世帯", "Population and households"),
    ("labour-wages", "労働・賃金", "Labour and wages"),
    ("agriculture-forestry-fisheries", "農林水産業", "Agriculture, forestry and fisheries"),
    ("mining-manufacturing", "鉱工業", "Mining and manufacturing"),
    ("commerce-services", "商業・サービス業", "Commerce and services"),
    ("business-household-economy", "企業・家計・経済", "Business, households and economy"),
    ("housing-land-construction", "住宅・土地・建設", "Housing, land and construction"),
    ("energy-water", "エネルギー・水", "Energy and water"),
    ("transport-tourism", "運輸・観光", "Transport and tourism"),
    ("ict-science-technology", "情報通信・科学技術", "ICT, science and technology"),
    (
        "education-culture-sports-life",
        "教育・文化・スポーツ・生活",
        "Education, culture, sports and daily life",
    ),
    ("public-administration-finance", "行財政", "Public administration and finance"),
    ("justice-safety-environment", "司法・安全・環境", "Justice, safety and environment"),
    ("social-security-health", "社会保障・衛生", "Social security and health"),
    ("international", "国際", "International"),
    ("other", "その他", "Other"),
)


class LicenseRow(NamedTuple):
    id: str
    title: str
    title_en: str
    url: str = ""  # human-readable page; CKAN's own URL for CKAN's default ids
    uri: str = ""  # dct:license; defaults to url, see the module docstring
    is_open: bool = True
    legacy: bool = False
    od_conformance: str = "approved"


_CC = "https://creativecommons.org/"
_OD = "http://www.opendefinition.org/licenses/"

# In display order: the licences Japanese portals use, then CKAN's defaults in CKAN's order.
LICENSES: tuple[LicenseRow, ...] = (
    LicenseRow(
        "cc-by-4.0",
        "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）",
        "Creative Commons Attribution 4.0 International (CC BY 4.0)",
        _CC + "licenses/by/4.0/",
    ),
    LicenseRow(
        "cc0-1.0",
        "CC0 1.0 全世界 パブリック・ドメイン提供",
        "CC0 1.0 Universal Public Domain Dedication",
        _CC + "publicdomain/zero/1.0/",
    ),
    LicenseRow(
        "pdl-1.0",
        "公共データ利用規約（第1.0版）",
        "Public Data License Version 1.0 (PDL1.0)",
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
        od_conformance="not reviewed",
    ),
    LicenseRow(
        "gsl-2.0",
        "政府標準利用規約（第2.0版）",
        "Government of Japan Standard Terms of Use (Version 2.0)",
        "https://cio.go.jp/sites/default/files/uploads/documents/opendata_nijiriyou_betten1.pdf",
        legacy=True,
        od_conformance="not reviewed",
    ),
    LicenseRow(
        "cc-by-2.1-jp",
        "クリエイティブ・コモンズ 表示 2.1 日本（CC BY 2.1 JP）",
        "Creative Commons Attribution 2.1 Japan (CC BY 2.1 JP)",
        _CC + "licenses/by/2.1/jp/",
        legacy=True,
    ),
    LicenseRow(
        "notspecified",
        "ライセンス未指定",
        "License not specified",
        is_open=False,
        od_conformance="not reviewed",
    ),
    LicenseRow(
        "odc-pddl",
        "Open Data Commons パブリック・ドメイン提供およびライセンス（PDDL）",
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        _OD + "odc-pddl",
    ),
    LicenseRow(
        "odc-odbl",
        "Open Data Commons オープンデータベースライセンス（ODbL）",
        "Open Data Commons Open Database License (ODbL)",
        _OD + "odc-odbl",
    ),
    LicenseRow(
        "odc-by",
        "Open Data Commons 表示ライセンス",
        "Open Data Commons Attribution License",
        _OD + "odc-by",
    ),
    LicenseRow(
        "cc-zero", "クリエイティブ・コモンズ CC0", "Creative Commons CCZero", _OD + "cc-zero"
    ),
    LicenseRow(
        "cc-by", "クリエイティブ・コモンズ 表示", "Creative Commons Attribution", _OD + "cc-by"
    ),
    LicenseRow(
        "cc-by-sa",
        "クリエイティブ・コモンズ 表示-継承",
        "Creative Commons Attribution Share-Alike",
        _OD + "cc-by-sa",
    ),
    LicenseRow(
        "gfdl", "GNU フリー文書利用許諾契約書", "GNU Free Documentation License", _OD + "gfdl"
    ),
    LicenseRow("other-open", "その他（オープン）", "Other (Open)"),
    LicenseRow("other-pd", "その他（パブリック・ドメイン）", "Other (Public Domain)"),
    LicenseRow("other-at", "その他（表示）", "Other (Attribution)"),
    LicenseRow(
        "uk-ogl",
        "英国オープンガバメントライセンス（OGL）",
        "UK Open Government Licence (OGL)",
        "http://reference.data.gov.uk/id/open-government-licence",
    ),
    LicenseRow(
        "cc-nc",
        "クリエイティブ・コモンズ 非営利（全般）",
        "Creative Commons Non-Commercial (Any)",
        "http://creativecommons.org/licenses/by-nc/2.0/",
        is_open=False,
        od_conformance="not reviewed",
    ),
    LicenseRow(
        "other-nc",
        "その他（非営利）",
        "Other (Non-Commercial)",
        is_open=False,
        od_conformance="not reviewed",
    ),
    LicenseRow(
        "other-closed",
        "その他（非オープン）",
        "Other (Not Open)",
        is_open=False,
        od_conformance="not reviewed",
    ),
)

LG_HEADER = ["code", "prefecture", "city", "prefecture_kana", "city_kana"]


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def plan_json(plan: Plan) -> dict[str, object]:
    return {
        "sections": [asdict(s) for s in plan.sections],
        "priority_fields": [
            {"id": fid, "name": name, "position": i}
            for i, (fid, name) in enumerate(PRIORITY_FIELDS, start=1)
        ],
    }


def measures_json(plan: Plan) -> list[dict[str, object]]:
    return [asdict(m) for m in sorted(plan.measures, key=lambda m: m.id)]


def parse_local_governments(text: str) -> list[dict[str, object]]:
    """The MIC code list; every code must pass the check digit, or we stop."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != LG_HEADER:
        raise ValueError(f"local governments: unexpected header {header}")
    rows: dict[str, dict[str, object]] = {}
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(LG_HEADER):
            raise ValueError(f"local governments line {line}: {len(cells)} cells")
        code, prefecture, city, prefecture_kana, city_kana = (c.strip() for c in cells)
        if not is_valid_lg_code(code):
            raise ValueError(f"local governments line {line}: invalid code {code!r}")
        if code in rows:
            raise ValueError(f"local governments line {line}: duplicate code {code}")
        kind = "municipality" if city else "prefecture"
        # Prefecture codes are PP000c; a row that disagrees is corrupt.
        if (kind == "prefecture") != (code[2:5] == "000"):
            raise ValueError(f"local governments line {line}: {code} is not a {kind}")
        kana = _nfkc(prefecture_kana)  # half-width katakana -> full-width
        if city:
            kana += " " + _nfkc(city_kana)
        rows[code] = {
            "code": code,
            "title": prefecture + city,
            "prefecture": prefecture,
            "prefecture_code": code[:2],
            "city": city or None,
            "kind": kind,
            "kana": kana,
        }
    prefectures = {r["prefecture_code"]: r["prefecture"] for r in rows.values() if not r["city"]}
    for r in rows.values():
        if prefectures.get(r["prefecture_code"]) != r["prefecture"]:
            raise ValueError(f"local governments: {r['code']} has no matching prefecture")
    return [rows[code] for code in sorted(rows)]


def organizations_json(plan: Plan, lg_csv: str) -> dict[str, object]:
    return {
        "ministries": [
            {"name": m.name, "title": m.title, "title_en": m.title_en}
            for m in ministries_named(plan.measures)
        ],
        "local_governments": parse_local_governments(lg_csv),
    }


def categories_json() -> list[dict[str, object]]:
    return [
        {"name": name, "title": title, "title_en": title_en, "position": i}
        for i, (name, title, title_en) in enumerate(CATEGORIES, start=1)
    ]


def licenses_json() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for position, row in enumerate(LICENSES, start=1):
        uri = row.uri or row.url or f"https://opendefinition.org/licenses/{row.id}/"
        out.append({**row._asdict(), "uri": uri, "position": position})
    return out


def build_all(shared: Path) -> dict[str, object]:
    """{file name: JSON data} rebuilt from the shared folder, without writing."""
    if not shared.is_dir():
        raise FileNotFoundError(f"shared folder not found: {shared}")
    plan = parse_plan(
        (shared / TABLE_SEED).read_text(encoding="utf-8"),
        (shared / MAIN_TEXT_SEED).read_text(encoding="utf-8"),
    )
    lg_csv = (shared / LOCAL_GOVERNMENTS).read_text(encoding="utf-8")
    return {
        "plan.json": plan_json(plan),
        "measures.json": measures_json(plan),
        "organizations.json": organizations_json(plan, lg_csv),
        "categories.json": categories_json(),
        "licenses.json": licenses_json(),
    }


def dump(data: object) -> str:
    """The committed form: UTF-8 text, indent 1, trailing newline."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def default_shared() -> Path:
    return Path(__file__).resolve().parents[1].parent / "shared"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild seed/*.json from ../shared.")
    parser.add_argument("--shared", type=Path, default=default_shared())
    args = parser.parse_args(argv)
    for name, data in build_all(args.shared).items():
        (seed_dir() / name).write_text(dump(data), encoding="utf-8")
        print(f"wrote seed/{name}")


if __name__ == "__main__":
    main()
