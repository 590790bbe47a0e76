"""Controlled vocabularies for dataset fields: update frequency and standard-dataset kinds."""

from __future__ import annotations

import unicodedata
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


# 自治体標準オープンデータセット (Digital Agency), numbered as the データ項目定義書 number them
# (定義書A 01-17; B 22; C 23-31). The id is what `standard_kind` holds: the file-name slug of
# the definition book (`<団体コード>_<slug>.csv`) where one is known. Source: facts file §4a
# (/work/shared/data/datagojp-facts.md; 01-17 high confidence, 22-31 medium; 18-21 point to
# external standards and are not listed). Older ids and 推奨データセット names are aliases
# (seed/aliases.json "standard_kinds"); migration 0006_ckan rewrote stored values.
STANDARD_DATASET_SPEC = (
    "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test"
)
STANDARD_KINDS: tuple[StandardKind, ...] = (
    StandardKind("01", "public_facility", "公共施設一覧"),
    StandardKind("02", "cultural_property", "文化財一覧"),
    StandardKind("03", "evacuation_space", "指定緊急避難場所一覧"),
    StandardKind("04", "population", "地域・年齢別人口"),
    StandardKind("05", "preschool", "子育て施設一覧"),
    StandardKind("06", "open_data_list", "オープンデータ一覧"),
    StandardKind("07", "public_wireless_lan", "公衆無線LANアクセスポイント一覧"),
    StandardKind("08", "aed", "AED設置箇所一覧"),
    StandardKind("09", "care_service", "介護サービス事業所一覧"),
    StandardKind("10", "hospital", "医療機関一覧"),
    StandardKind("11", "tourism", "観光施設一覧"),
    StandardKind("12", "event", "イベント一覧"),
    StandardKind("13", "public_toilet", "公衆トイレ一覧"),
    StandardKind("14", "fire_hydrant", "消防水利施設一覧"),
    StandardKind("15", "food_business", "食品等営業許可・届出一覧"),
    StandardKind("16", "school_lunch", "学校給食献立情報"),
    StandardKind("17", "school_district", "小中学校通学区域情報"),
    StandardKind("22", "support_program", "支援制度情報"),
    StandardKind("23", "emergency_radio", "防災行政無線設置一覧"),
    StandardKind("24", "educational_institution", "教育機関一覧"),
    StandardKind("25", "public_parking", "公営駐車場一覧"),
    StandardKind("26", "bicycle_parking", "公営駐輪場一覧"),
    StandardKind("27", "polling_place", "投票所一覧"),
    StandardKind("28", "garbage_sorting", "ゴミの分別方法一覧"),
    StandardKind("29", "baby_station", "赤ちゃんの駅一覧"),
    StandardKind("30", "garbage_collection_point", "ゴミ集積場所一覧"),
    StandardKind("31", "tourist_attraction", "観光ポイント一覧"),
)
STANDARD_KIND_IDS = frozenset(kind.id for kind in STANDARD_KINDS)
# Ids this catalogue used before the official numbering (migration 0006_ckan maps them).
RENAMED_KINDS: dict[str, str] = {
    "childcare_facility": "preschool",
    "public_wifi": "public_wireless_lan",
    "medical_institution": "hospital",
    "tourism_facility": "tourism",
    "fire_water": "fire_hydrant",
    "evacuation_shelter": "evacuation_space",
}


def standard_kind_uri(kind_id: str) -> str:
    """The definition of a kind: the Digital Agency's page, `#<number>-<id>` naming the entry."""
    number = next(kind.number for kind in STANDARD_KINDS if kind.id == kind_id)
    return f"{STANDARD_DATASET_SPEC}#{number}-{kind_id}"


def resolve_standard_kind(value: str, aliases: dict[str, str]) -> str | None:
    """The kind id for an id, an official number (`8`, `08`), an official or older title, an
    older id or a 推奨データセット name (`aliases`: NFKC-keyed title -> id); None if unknown."""
    text = unicodedata.normalize("NFKC", value).strip()
    if text.isdigit():
        text = text.zfill(2)
    for kind in STANDARD_KINDS:
        if text in (kind.id, kind.number, kind.title):
            return kind.id
    if text in RENAMED_KINDS:
        return RENAMED_KINDS[text]
    return aliases.get(text)
