"""Generated Japanese catalogue records for bench/search.py (see its docstring).

Imitates BASELINES.md: title + tags + 100-400 character description, ~2 distributions per
dataset, ~1,800 publishers (the real local-government list plus ministries) with a skewed,
Zipf-like share of the datasets.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.search.documents import SearchDocument

LG_CODES = Path(__file__).resolve().parents[2] / "shared/data/local-government-codes.csv"

# fmt: off
MINISTRIES = [
    ("soumu", "総務省"), ("meti", "経済産業省"), ("mlit", "国土交通省"), ("mhlw", "厚生労働省"),
    ("mext", "文部科学省"), ("maff", "農林水産省"), ("env", "環境省"), ("moj", "法務省"),
    ("mof", "財務省"), ("cao", "内閣府"), ("digital", "デジタル庁"), ("stat", "統計局"),
]
TOPICS = [
    "保育所", "指定緊急避難場所", "指定避難所", "AED設置箇所", "人口", "観光施設", "公園",
    "図書館", "文化財", "病院", "介護サービス事業所", "子育て支援", "公衆トイレ", "道路",
    "河川", "予算", "決算", "選挙", "ごみ収集", "消防水利", "学校", "公衆無線LAN",
    "イベント", "食品営業許可", "医療機関", "地域別人口", "バス停", "駐車場", "防災行政無線",
    "農地", "水道", "下水道", "児童館", "放課後児童クラブ", "保健所", "体育館", "公民館",
    "自転車駐輪場", "景観計画", "地価", "雇用", "事業所", "学校給食", "入札", "契約",
    "人口動態", "出生数", "世帯数", "気象", "雨量", "地震", "津波浸水想定", "土砂災害警戒区域",
    "街路樹", "空き家", "公営住宅", "市営バス", "宿泊者数", "温泉", "祭り", "墓地", "犬の登録",
]
SUFFIXES = ["一覧", "データ", "統計", "位置情報", "件数", "の推移", "マップ", "調査結果"]
SENTENCES = [
    "{org}が管理する{topic}の{suffix}です。",
    "{year}年度の{topic}に関する情報を掲載しています。",
    "{topic}の所在地、連絡先、開設時間を示します。",
    "令和{n}年{m}月1日現在の{topic}の状況です。",
    "{topic}と{topic2}の関係を分析するための基礎資料です。",
    "{topic}については担当課までお問い合わせください。",
    "掲載している{topic}の数値は速報値であり、今後修正されることがあります。",
    "{topic2}のデータと組み合わせて利用することができます。",
    "この{suffix}は{org}の{topic}担当部署が作成しました。",
    "{topic}の名称、住所、緯度経度、電話番号を項目として含みます。",
    "毎月更新しています。",
    "オープンデータとして自由に二次利用できます。",
    "地図上に表示するためのデータも提供しています。",
    "過去の版は別のファイルとして掲載しています。",
    "集計方法は年度により異なる場合があります。",
    "災害時の情報提供に活用できます。",
    "子育て世帯向けの情報を含みます。",
    "CSV形式のほかPDF形式でも提供します。",
]
TAGS = [
    "防災", "避難", "保育", "子育て", "AED", "医療", "介護", "観光", "人口", "統計",
    "河川", "公園", "交通", "教育", "文化", "環境", "ごみ", "福祉", "健康", "農業",
    "道路", "選挙", "予算", "施設", "地図", "イベント", "水道", "消防", "図書館", "スポーツ",
]
FORMATS = ["CSV"] * 6 + ["PDF"] * 3 + ["XLSX"] * 2 + ["JSON", "XML", "HTML", "ZIP", "GeoJSON"]
CATEGORIES = [
    "land-weather", "population-households", "labour-wages", "agriculture-forestry-fisheries",
    "mining-manufacturing", "commerce-services", "business-household-economy",
    "housing-land-construction", "energy-water", "transport-tourism", "ict-science-technology",
    "education-culture-sports-life", "public-administration-finance",
    "justice-safety-environment", "social-security-health", "international", "other",
]
LICENSES = ["cc-by-4.0"] * 6 + ["pdl-1.0"] * 3 + ["cc0-1.0", "cc-by-2.1-jp", "other-open"]
KINDS = [
    "public_facility", "cultural_property", "evacuation_space", "population",
    "childcare_facility", "open_data_list", "aed", "care_service", "medical_institution",
    "tourism_facility", "event", "public_wifi", "public_toilet", "fire_water",
    "food_business", "school_district", "evacuation_shelter",
]
# fmt: on

Publisher = tuple[str, str, str | None]


def publishers() -> list[Publisher]:
    """(name, title, prefecture) of ~1,800 publishers, most prolific first (a fixed shuffle)."""
    out: list[Publisher] = [(n, t, None) for n, t in MINISTRIES]
    with LG_CODES.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append((row["code"], row["prefecture"] + row["city"], row["prefecture"]))
    random.Random(42).shuffle(out)
    return out


def _cumulative_weights(n: int) -> list[float]:
    # Zipf-like: the k-th publisher has weight 1/k^0.9 (the top one ~9% of all datasets).
    return list(itertools.accumulate(1 / (k + 1) ** 0.9 for k in range(n)))


def make_doc(
    i: int, rnd: random.Random, orgs: list[Publisher], cum_weights: list[float]
) -> SearchDocument:
    org_name, org_title, pref = rnd.choices(orgs, cum_weights=cum_weights)[0]
    topic = rnd.choice(TOPICS)
    suffix = rnd.choice(SUFFIXES)
    year = rnd.randint(2015, 2025)
    title = f"{org_title} {topic}{suffix}" if rnd.random() < 0.5 else f"{topic}{suffix}（{year}年）"
    target = rnd.randint(100, 400)
    notes = ""
    while len(notes) < target:
        notes += rnd.choice(SENTENCES).format(
            org=org_title,
            topic=rnd.choice(TOPICS),
            topic2=rnd.choice(TOPICS),
            suffix=suffix,
            year=year,
            n=rnd.randint(1, 7),
            m=rnd.randint(1, 12),
        )
    tags = rnd.sample(TAGS, rnd.randint(1, 4))
    formats = [rnd.choice(FORMATS) for _ in range(rnd.choice((1, 2, 2, 2, 3)))]
    resources: list[str] = []
    for fmt in formats:
        resources += [f"{topic}{rnd.choice(SUFFIXES)}", f"{topic}の{fmt}ファイル", fmt]
    categories = rnd.sample(CATEGORIES, rnd.choice((1, 1, 2)))
    measures = [f"{rnd.randint(1, 12):02d}-{rnd.randint(1, 40):02d}"] if rnd.random() < 0.2 else []
    kind = rnd.choice(KINDS) if rnd.random() < 0.3 else None
    created = datetime(2020, 1, 1) + timedelta(seconds=rnd.randint(0, 5 * 365 * 86400))
    modified = created + timedelta(seconds=rnd.randint(0, 365 * 86400))
    body = (notes, *tags, org_title, org_name, pref or "", *measures, *resources, kind or "")
    facets = {
        "organization": (org_name,),
        "prefecture": (pref,) if pref else (),
        "license_id": (rnd.choice(LICENSES),),
        "standard_kind": (kind,) if kind else (),
        "category": tuple(categories),
        "measure": tuple(measures),
        "tags": tuple(tags),
        "res_format": tuple(dict.fromkeys(formats)),
    }
    return SearchDocument(
        dataset_id=f"{i:08d}-0000-4000-8000-{rnd.getrandbits(48):012x}",
        name=f"ds_{i:08d}",
        title=title,
        state="draft" if rnd.random() < 0.01 else "active",
        private=rnd.random() < 0.05,
        owner_org=f"org-{org_name}",
        metadata_modified=modified,
        metadata_created=created,
        body=tuple(v for v in body if v),
        facets={k: v for k, v in facets.items() if v},
    )


Row = tuple[Any, ...]


def _chunk(args: tuple[int, int, int]) -> tuple[list[Row], list[Row]]:
    """Rows for docs [start, stop): search_doc columns, and texts (doc_id, title, body, keys)."""
    start, stop, seed = args
    orgs = publishers()
    cum_weights = _cumulative_weights(len(orgs))
    docs: list[Row] = []
    texts: list[Row] = []
    for i in range(start, stop):
        doc = make_doc(i, random.Random(seed * 1_000_003 + i), orgs, cum_weights)
        t = doc.texts()
        doc_id = i + 1
        docs.append(
            (
                doc_id,
                doc.dataset_id,
                doc.name,
                doc.title_key,
                doc.title_exact,
                doc.state,
                doc.private,
                doc.owner_org,
                doc.single("organization") or "",
                doc.single("prefecture"),
                doc.single("license_id"),
                doc.single("standard_kind"),
                doc.metadata_modified,
                doc.metadata_created,
                doc.packed_facets(),
            )
        )
        texts.append((doc_id, t.title, t.body, t.keys))
    return docs, texts


def generate(n: int, seed: int, workers: int, batch: int = 5000) -> Iterator[tuple[list[Row], ...]]:
    ranges = [(s, min(s + batch, n), seed) for s in range(0, n, batch)]
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(_chunk, ranges)
