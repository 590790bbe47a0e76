"""Controlled vocabularies for dataset fields: update frequency and standard-dataset kinds."""

from __future__ import annotations

from typing import NamedTuple

EU_FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"

# EU frequency authority codes (what dct:accrualPeriodicity wants), with the Japanese label
# e-Gov portals show as 更新頻度. Japanese labels are accepted on input and mapped to the code.
FREQUENCIES: dict[str, str] = {
    "CONT": "常時",
    "UPDATE_CONT": "リアルタイム",
    "DAILY": "毎日",
    "WEEKLY": "毎週",
    "MONTHLY": "毎月",
    "QUARTERLY": "四半期ごと",
    "ANNUAL_2": "半年ごと",
    "ANNUAL": "毎年",
    "BIENNIAL": "2年ごと",
    "IRREG": "不定期",
    "NEVER": "更新なし",
    "UNKNOWN": "不明",
}
FREQUENCY_ALIASES: dict[str, str] = {
    "随時": "IRREG",
    "年次": "ANNUAL",
    "年1回": "ANNUAL",
    "月次": "MONTHLY",
    "週次": "WEEKLY",
    "日次": "DAILY",
    "四半期": "QUARTERLY",
    "半期": "ANNUAL_2",
}


def normalise_frequency(value: str) -> str | None:
    """The EU code for a code or a Japanese label; None when unknown."""
    text = value.strip()
    if text.upper() in FREQUENCIES:
        return text.upper()
    for code, label in FREQUENCIES.items():
        if text == label:
            return code
    return FREQUENCY_ALIASES.get(text)


class StandardKind(NamedTuple):
    number: str
    id: str
    title: str


# 自治体標準オープンデータセット (Digital Agency). The id is what `standard_kind` holds.
STANDARD_DATASET_SPEC = (
    "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test"
)
STANDARD_KINDS: tuple[StandardKind, ...] = (
    StandardKind("01", "public_facility", "公共施設一覧"),
    StandardKind("02", "cultural_property", "文化財一覧"),
    StandardKind("03", "evacuation_space", "指定緊急避難場所一覧"),
    StandardKind("04", "population", "地域・年齢別人口"),
    StandardKind("05", "childcare_facility", "子育て施設一覧"),
    StandardKind("06", "open_data_list", "オープンデータ一覧"),
    StandardKind("07", "aed", "AED設置箇所一覧"),
    StandardKind("08", "care_service", "介護サービス事業所一覧"),
    StandardKind("09", "medical_institution", "医療機関一覧"),
    StandardKind("10", "tourism_facility", "観光施設一覧"),
    StandardKind("11", "event", "イベント一覧"),
    StandardKind("12", "public_wifi", "公衆無線LANアクセスポイント一覧"),
    StandardKind("13", "public_toilet", "公衆トイレ一覧"),
    StandardKind("14", "fire_water", "消防水利施設一覧"),
    StandardKind("15", "food_business", "食品等営業許可・届出一覧"),
    StandardKind("16", "school_district", "小中学校通学区域"),
    StandardKind("17", "evacuation_shelter", "指定避難所一覧"),
)
STANDARD_KIND_IDS = frozenset(kind.id for kind in STANDARD_KINDS)


def standard_kind_uri(kind_id: str) -> str:
    number = next(kind.number for kind in STANDARD_KINDS if kind.id == kind_id)
    return f"{STANDARD_DATASET_SPEC}#{number}-{kind_id}"
