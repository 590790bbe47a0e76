"""The committed seed JSON equals a rebuild from ../shared; the organisation list is sound."""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path

import pytest

from app.organizations.codes import is_valid_lg_code, lg_check_digit
from seed import seed_dir
from seed.build import build_all, dump, parse_local_governments

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
LG_CSV = SHARED / "data" / "local-government-codes.csv"


def _shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(
            f"shared folder not found at {SHARED}: the seed rebuild test needs the read-only "
            "inputs beside the repository (../shared)"
        )
    return SHARED


@functools.cache
def _rebuilt() -> dict[str, object]:
    return build_all(_shared())


def _committed(name: str) -> object:
    return json.loads((seed_dir() / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "name", ["plan.json", "measures.json", "organizations.json", "categories.json", "licenses.json"]
)
def test_committed_json_equals_a_rebuild_from_shared(name: str) -> None:
    rebuilt = _rebuilt()
    assert name in rebuilt
    path = seed_dir() / name
    assert path.is_file(), f"seed/{name} missing: run python -m seed.build"
    # Byte-exact, so formatting drift shows too. Show a short diff, not 400 kB of JSON.
    committed, expected = path.read_text(encoding="utf-8"), dump(rebuilt[name])
    if committed != expected:
        diff = difflib.unified_diff(
            committed.splitlines(), expected.splitlines(), "committed", "rebuilt", lineterm=""
        )
        shown = "\n".join(list(diff)[:60])
        pytest.fail(f"seed/{name} is stale: run `python -m seed.build`\n{shown}")


def test_measures_json_shape() -> None:
    measures = _committed("measures.json")
    assert isinstance(measures, list) and len(measures) == 180
    first = measures[0]
    assert list(first) == [
        "id", "title", "in_main_text", "kpi_progress", "kpi_effect",
        "summary", "section", "ministries", "priority_fields",
    ]  # fmt: skip
    assert first["ministries"][0] == {
        "name": "内閣官房",
        "lead": True,
        "organization": "cas",
        "units": [],
        "and_others": False,
    }
    assert "<" not in json.dumps(measures, ensure_ascii=False)


def test_plan_json_has_twelve_sections_and_eight_fields() -> None:
    plan = _committed("plan.json")
    assert isinstance(plan, dict)
    assert [s["prefix"] for s in plan["sections"]] == [f"{n:02d}" for n in range(1, 13)]
    assert plan["sections"][9]["article"] == "第17条・第18条"
    assert plan["sections"][11]["article"] is None
    assert [f["position"] for f in plan["priority_fields"]] == list(range(1, 9))
    assert plan["priority_fields"][6] == {
        "id": "infrastructure-disaster-prevention",
        "name": "インフラ・防災・減災等",
        "position": 7,
    }


def test_ministries_are_those_named_in_the_table() -> None:
    orgs = _committed("organizations.json")
    assert isinstance(orgs, dict)
    names = [m["name"] for m in orgs["ministries"]]
    assert names == sorted(names) and len(names) == 18
    used = {
        e["organization"]
        for m in _committed("measures.json")  # type: ignore[attr-defined]
        for e in m["ministries"]
        if e["organization"]
    }
    assert set(names) == used
    assert {"name": "soumu", "title": "総務省", "title_en": "Ministry of Internal Affairs and "
            "Communications"} in orgs["ministries"]  # fmt: skip


# --- local governments ------------------------------------------------------------------


def _local_governments() -> list[dict[str, object]]:
    orgs = _committed("organizations.json")
    assert isinstance(orgs, dict)
    lgs: list[dict[str, object]] = orgs["local_governments"]
    return lgs


def test_1788_local_governments() -> None:
    lgs = _local_governments()
    assert len(lgs) == 1788
    assert sum(1 for lg in lgs if lg["kind"] == "prefecture") == 47
    assert sum(1 for lg in lgs if lg["kind"] == "municipality") == 1741
    codes = [str(lg["code"]) for lg in lgs]
    assert codes == sorted(set(codes))
    assert all(is_valid_lg_code(c) for c in codes)


def test_sapporo_and_hokkaido() -> None:
    by_code = {lg["code"]: lg for lg in _local_governments()}
    assert by_code["011002"] == {
        "code": "011002",
        "title": "北海道札幌市",
        "prefecture": "北海道",
        "prefecture_code": "01",
        "city": "札幌市",
        "kind": "municipality",
        "kana": "ホッカイドウ サッポロシ",
    }
    assert by_code["010006"]["kind"] == "prefecture"
    assert by_code["010006"]["city"] is None
    assert by_code["010006"]["kana"] == "ホッカイドウ"


def test_a_bad_check_digit_is_refused() -> None:
    if not LG_CSV.is_file():
        pytest.fail(f"local-government list not found: {LG_CSV}")
    text = LG_CSV.read_text(encoding="utf-8")
    assert "\n011002," in text
    with pytest.raises(ValueError, match="011003"):
        parse_local_governments(text.replace("\n011002,", "\n011003,"))


def test_a_prefecture_code_on_a_municipality_is_refused() -> None:
    text = "code,prefecture,city,prefecture_kana,city_kana\n010006,北海道,札幌市,ﾎｯｶｲﾄﾞｳ,ｻｯﾎﾟﾛｼ\n"
    with pytest.raises(ValueError, match="010006"):
        parse_local_governments(text)


def test_check_digit() -> None:
    assert lg_check_digit("01100") == 2
    assert lg_check_digit("13101") == 6  # 千代田区 131016
    assert lg_check_digit("01205") == 0  # 室蘭市 012050: (11 - 1) % 10
    assert is_valid_lg_code("131016")
    assert not is_valid_lg_code("011003")
    assert not is_valid_lg_code("01100")
    assert not is_valid_lg_code("0110022")
    assert not is_valid_lg_code("01100２")  # full-width digit
    assert not is_valid_lg_code("０11002")
    with pytest.raises(ValueError):
        lg_check_digit("0110")


# --- reference lists --------------------------------------------------------------------


def test_seventeen_categories_in_e_gov_order() -> None:
    categories = _committed("categories.json")
    assert isinstance(categories, list) and len(categories) == 17
    assert categories[0] == {
        "name": "land-weather",
        "title": "国土・気象",
        "title_en": "Land and weather",
        "position": 1,
    }
    assert [c["title"] for c in categories][-2:] == ["国際", "その他"]
    assert len({c["name"] for c in categories}) == 17


def test_licenses() -> None:
    licenses = _committed("licenses.json")
    assert isinstance(licenses, list)
    by_id = {lic["id"]: lic for lic in licenses}
    assert len(by_id) == len(licenses)
    assert {"cc-by-4.0", "cc0-1.0", "pdl-1.0", "gsl-2.0", "cc-by-2.1-jp", "cc-by", "uk-ogl"} <= set(
        by_id
    )
    assert by_id["pdl-1.0"]["uri"] == (
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
    )
    assert by_id["cc-by-4.0"]["uri"] == "https://creativecommons.org/licenses/by/4.0/"
    assert by_id["gsl-2.0"]["legacy"] and by_id["cc-by-2.1-jp"]["legacy"]
    assert not by_id["cc-by-4.0"]["legacy"]
    closed = {lic["id"] for lic in licenses if not lic["is_open"]}
    assert closed == {"notspecified", "cc-nc", "other-nc", "other-closed"}
    # Every licence has a URI usable as dct:license, none shared.
    uris = [lic["uri"] for lic in licenses]
    assert all(u.startswith(("http://", "https://")) for u in uris)
    assert len(set(uris)) == len(uris)
    assert {lic["od_conformance"] for lic in licenses} <= {"approved", "not reviewed"}
