"""A small catalogue for the page tests: nursery lists (保育) in Hokkaido and Tokyo, a
hiragana title for the kana tests, a harvested dataset, and a private and a draft dataset
whose words (ひみつ, SECRETFMT, 下書きだけ) must appear on no page for anonymous readers."""

from __future__ import annotations

from typing import Any

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.ckan_input import from_ckan
from app.datasets.schemas import DatasetOut
from app.db import session_scope
from tests.conftest import Backend

SAPPORO = "011002"  # 札幌市 (北海道)
CHIYODA = "131016"  # 千代田区 (東京都)


def _res(fmt: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"format": fmt, "url": url, "name": f"{fmt} ファイル", **extra}


PUBLIC: list[dict[str, Any]] = [
    {
        "name": "sapporo-hoikujo",
        "title": "札幌市 保育所一覧",
        "owner_org": SAPPORO,
        "notes": (
            "札幌市内の認可保育所の一覧です。\n詳しくは https://example.jp/hoiku をご覧ください。"
        ),
        "tags": [{"name": "保育"}, {"name": "子育て"}],
        "groups": [{"name": "social-security-health"}],
        "license_id": "cc-by-4.0",
        "resources": [_res("CSV", "https://example.jp/sapporo/hoikujo.csv", size=20480)],
    },
    {
        "name": "chiyoda-hoikujo",
        "title": "千代田区 保育施設",
        "owner_org": CHIYODA,
        "notes": "千代田区の保育施設（認可・認証）の所在地と定員。",
        "tags": [{"name": "保育"}],
        "license_id": "cc-by-4.0",
        "resources": [_res("XLSX", "https://example.jp/chiyoda/hoiku.xlsx")],
    },
    {
        "name": "sapporo-hoikuen-aki",
        "title": "ほいくえん空き状況",
        "owner_org": SAPPORO,
        "notes": "市内のほいくえんの空き定員（月次）。",
        "resources": [_res("CSV", "https://example.jp/sapporo/aki.csv")],
    },
    {
        "name": "chiyoda-aed",
        "title": "千代田区 AED設置場所",
        "owner_org": CHIYODA,
        "notes": "区内のAED設置場所。",
        "tags": [{"name": "防災"}],
        "resources": [_res("CSV", "https://example.jp/chiyoda/aed.csv")],
    },
]
PRIVATE: dict[str, Any] = {
    "name": "sapporo-himitsu",
    "title": "ひみつの保育メモ",
    "owner_org": SAPPORO,
    "private": True,
    "notes": "非公開の保育メモ。",
    "tags": [{"name": "ひみつ"}],
    "resources": [_res("SECRETFMT", "https://example.jp/secret.bin")],
}
DRAFT: dict[str, Any] = {
    "name": "chiyoda-draft",
    "title": "下書きだけの保育データ",
    "owner_org": CHIYODA,
    "state": "draft",
    "notes": "下書き。",
    "tags": [{"name": "下書きだけ"}],
    "resources": [_res("DRAFTFMT", "https://example.jp/draft.bin")],
}
HIDDEN_WORDS = ("ひみつ", "SECRETFMT", "下書きだけ", "DRAFTFMT")
MEASURE = "02-24"  # linked to the public Sapporo list, and to the private and draft datasets


def load(backend: Backend) -> list[DatasetOut]:
    """Create the corpus through the dataset service; returns the public datasets."""
    out: list[DatasetOut] = []
    with session_scope(backend.sessions) as session:
        for pkg in [*PUBLIC, PRIVATE, DRAFT]:
            data, wanted_id = from_ckan(dict(pkg))
            if pkg["name"] in ("sapporo-hoikujo", "sapporo-himitsu", "chiyoda-draft"):
                data = data.model_copy(update={"measures": [MEASURE]})
            if pkg.get("state") == "draft":
                data = data.model_copy(update={"state": "draft"})
            created = dataset_service.create_dataset(session, SYSTEM, data, dataset_id=wanted_id)
            if pkg in PUBLIC:
                out.append(created)
    return out
