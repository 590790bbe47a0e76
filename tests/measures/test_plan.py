"""The plan parser, pinned against real rows of the seeds (values read from the seeds)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from app.measures.plan import (
    SECTIONS,
    Measure,
    MinistryEntry,
    Plan,
    PriorityItem,
    Unit,
    article_numbers,
    match_item,
    normalise_title,
    parse_kpi,
    parse_main_text,
    parse_ministries,
    parse_plan,
    parse_table,
    split_summary,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TABLE = SHARED / "seeds" / "000_58510321639a1218.txt"
MAIN_TEXT = SHARED / "seeds" / "002_0c6f78bddebd3362.txt"


def _read(path: Path) -> str:
    if not path.is_file():
        pytest.fail(f"seed not found: {path} (the shared folder must sit beside the repo)")
    return path.read_text(encoding="utf-8")


@functools.cache
def _plan() -> Plan:
    return parse_plan(_read(TABLE), _read(MAIN_TEXT))


def _measure(measure_id: str) -> Measure:
    return next(m for m in _plan().measures if m.id == measure_id)


def _entry(
    name: str,
    lead: bool = False,
    org: str | None = None,
    units: list[Unit] | None = None,
    and_others: bool = False,
) -> MinistryEntry:
    return MinistryEntry(name, lead, org, units or [], and_others)


# --- the table --------------------------------------------------------------------------


def test_180_rows_and_the_missing_ids_are_not_invented() -> None:
    ids = [m.id for m in _plan().measures]
    assert len(ids) == 180
    assert ids == sorted(set(ids))
    assert not {f"10-{n:02d}" for n in range(6, 17)} & set(ids)
    assert {"10-05", "10-17"} <= set(ids)


def test_02_21_lead_is_meti_and_trailing_to_means_and_others() -> None:
    assert _measure("02-21").ministries == [
        _entry("内閣府", org="cao"),
        _entry("文部科学省", org="mext"),
        _entry("経済産業省", True, "meti"),
        _entry("国土交通省", org="mlit"),
        _entry("環境省", org="env", and_others=True),
    ]
    assert _measure("02-21").in_main_text is False


def test_09_15_units_in_parentheses_and_lead_inside() -> None:
    ministries = _measure("09-15").ministries
    assert ministries[0] == _entry(
        "内閣官房",
        True,
        "cas",
        units=[
            Unit("内閣官房小型無人機等対策推進室", True),
            Unit("IT室", False),
            Unit("日本経済再生総合事務局", False),
            Unit("内閣サイバーセキュリティセンター", False),
        ],
    )
    assert [e.name for e in ministries[1:]] == [
        "内閣府", "警察庁", "消費者庁", "総務省", "消防庁", "法務省",
        "文部科学省", "厚生労働省", "農林水産省", "経済産業省", "国土交通省",
    ]  # fmt: skip
    assert not any(e.lead or e.units for e in ministries[1:])


@pytest.mark.parametrize(
    ("measure_id", "name", "org"),
    [
        ("08-29", "文部科学省", "mext"),  # "○ ○ ◎文部科学省"
        ("08-32", "国土交通省", "mlit"),  # "○ ◎国土交通省"
        ("08-33", "総務省", "soumu"),
        ("08-34", "農林水産省", "maff"),
    ],
)
def test_stray_marks_before_the_ministry_cell_are_dropped(
    measure_id: str, name: str, org: str
) -> None:
    assert _measure(measure_id).ministries == [_entry(name, True, org)]


def test_05_11_has_three_leads() -> None:
    assert _measure("05-11").ministries == [
        _entry("内閣府", True, "cao"),
        _entry("内閣官房", True, "cas"),
        _entry("厚生労働省", True, "mhlw"),
    ]


def test_01_01_collective_mention_is_not_an_organisation() -> None:
    m = _measure("01-01")
    assert m.ministries == [_entry("内閣官房", True, "cas"), _entry("関係府省庁")]
    assert m.in_main_text is True
    assert m.title == "ベース・レジストリの整備"
    assert m.priority_fields == []
    assert _measure("02-02").ministries[-1] == _entry("全府省庁")


def test_12_02_has_no_kpis_and_no_article() -> None:
    m = _measure("12-02")
    assert (m.kpi_progress, m.kpi_effect) == (None, None)
    assert m.section == 12
    assert next(s for s in _plan().sections if s.number == 12).article is None
    assert len(m.summary) == 3
    assert m.summary[0].startswith("信頼性の確保された国際的な個人データ流通の枠組み構築")
    assert m.summary[2] == (
        "上記の取組により、個人情報の保護を図りつつ国際的なデータ流通が円滑に行われるための"
        "一層の環境整備を進める。"
    )
    assert not any("<" in p or p.startswith("-") for p in m.summary)


def test_a_lone_dash_kpi_is_null() -> None:
    assert (_measure("12-03").kpi_progress, _measure("12-03").kpi_effect) == (None, None)
    m = _measure("12-04")
    assert m.kpi_progress is None
    # <ul …> and <p>…</p> stripped, the text kept.
    assert m.kpi_effect is not None
    assert m.kpi_effect.startswith("・民間資金の海外プロジェクトへの誘導効果")
    assert m.kpi_effect.endswith("平均2社/件以上 (KPIについては、令和2年秋頃見直し予定)")


def test_02_29_html_stripped_and_sentences_split_into_paragraphs() -> None:
    m = _measure("02-29")
    assert m.kpi_progress == "不動産価格指数の公表回数 不動産情報に係る新たな指標の充実"
    assert m.kpi_effect == (
        "不動産価格指数を掲載するホームページのアクセス件数 "
        "新たな指標を掲載するホームページのアクセス件数"
    )
    assert len(m.summary) == 3
    assert m.summary[1].startswith("令和2年度は引き続き、不動産価格指数")
    assert m.summary[2].startswith("こうして不動産情報の動向指標を")


def test_no_html_in_any_text_field() -> None:
    for m in _plan().measures:
        texts = [m.title, m.kpi_progress or "", m.kpi_effect or "", *m.summary]
        texts += [e.name for e in m.ministries] + [u.name for e in m.ministries for u in e.units]
        assert not [t for t in texts if "<" in t or ">" in t], m.id


def test_every_measure_has_a_ministry_a_lead_and_a_summary() -> None:
    # Checked against the seed: every row has a 府省庁名 with at least one ◎ and a summary.
    for m in _plan().measures:
        assert m.ministries and any(e.lead for e in m.ministries), m.id
        assert m.summary and all(p.strip() == p and p for p in m.summary), m.id


def test_section_is_the_id_prefix() -> None:
    assert all(m.section == int(m.id[:2]) for m in _plan().measures)


# --- cell-level rules -------------------------------------------------------------------


def test_bullets_split_but_hyphenated_words_do_not() -> None:
    cell = '<ul style="list-style-type: none"> - e-Govの改善。 -IoTとWi-Fiの活用。 -4K放送。 '
    assert split_summary(cell) == ["e-Govの改善。", "IoTとWi-Fiの活用。", "4K放送。"]
    assert split_summary("i-Constructionの推進。また、継続。") == [
        "i-Constructionの推進。また、継続。"
    ]


def test_kpi_cell_rules() -> None:
    assert parse_kpi("") is None
    assert parse_kpi(" - ") is None
    assert parse_kpi("<ul style='x'> a  b <p>c</p>") == "a b c"


def test_unknown_ministry_fails_loudly_naming_the_row() -> None:
    with pytest.raises(ValueError, match=r"99-01.*財務庁"):
        parse_ministries("◎総務省、財務庁", "99-01")


def test_unknown_ministry_in_the_table_fails_the_parse() -> None:
    row = "01-01\t○\tt\tk\tk\t- s\t◎\t◎デジタル庁\n"
    with pytest.raises(ValueError, match="01-01"):
        parse_table(row)


# --- the main text ----------------------------------------------------------------------


def test_sections_agree_with_the_main_text_headings() -> None:
    sections = _plan().sections
    assert [(s.number, s.prefix, s.title, s.article) for s in sections] == [
        (int(s.prefix), s.prefix, s.title, s.article) for s in SECTIONS
    ]
    by_prefix = {s.prefix: s.main_text_heading for s in sections}
    assert by_prefix["01"] == "Ⅱ－１－(1) 行政手続等のオンライン化原則【基本法第 10 条関係】"
    assert by_prefix["02"] == by_prefix["03"]
    assert "データの円滑な流通の促進【基本法第 11 条第３項関係】" in by_prefix["03"]
    # A heading wrapped over two lines is joined without a space inside it.
    assert by_prefix["06"].endswith("（デジタルデバイド対策）【基本法第 14 条関係】")
    assert by_prefix["12"] == "Ⅱ－１－(11) 国際貢献及び国際競争力の強化に向けた国際展開"


def test_article_numbers_compare_across_notations() -> None:
    assert article_numbers("第 11 条第１項及び第２項") == article_numbers("第11条第1項・第2項")
    assert article_numbers("第 17 条、第 18 条") == [17, 18]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("【基本法第 12 条関係】", "【基本法第 13 条関係】", "section 04: article"),
        ("(3) データ利活用のルール整備", "(3) データ利用のルール", "section 04:"),
        ("農林水産、ものづくり、インフラ", "農林水産、インフラ", "priority fields"),
        ("Ⅱ－１－(11) ", "Ⅱ－１－(12) ", "out of order"),
    ],
)
def test_main_text_that_disagrees_with_the_table_is_refused(
    old: str, new: str, message: str
) -> None:
    text = _read(MAIN_TEXT)
    assert old in text
    with pytest.raises(ValueError, match=message):
        parse_plan(_read(TABLE), text.replace(old, new, 1))


def test_the_eight_priority_fields_are_read_from_the_main_text() -> None:
    main = parse_main_text(_read(MAIN_TEXT))
    assert main.priority_field_names == [
        "電子行政", "健康・医療・介護", "観光", "金融",
        "農林水産", "ものづくり", "インフラ・防災・減災等", "移動",
    ]  # fmt: skip


def test_wrapped_item_titles_are_joined() -> None:
    titles = {i.title for i in parse_main_text(_read(MAIN_TEXT)).items}
    assert (
        "健康・医療・介護分野に関わる多様な主体の情報共有・連携の仕組みの確立、成果の推進・普及"
        in titles
    )
    assert "子育て・介護・相続などのライフイベントに係るワンストップサービス（再掲）" in titles


def test_normalised_titles_drop_footnotes_and_restatement_marks() -> None:
    assert normalise_title("・ i-Construction37の推進による３次元データ") == (
        "・i-Constructionの推進による3次元データ"
    )
    assert normalise_title("統計データのオープン化の推進・高度化34") == (
        "統計データのオープン化の推進・高度化"
    )
    assert normalise_title("金融 EDI52における商流") == "金融EDIにおける商流"
    assert normalise_title("テレワークの普及（再掲）") == "テレワークの普及"
    assert normalise_title("４Ｋ・８Ｋ等") == "4K・8K等"


# --- priority fields --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure_id", "fields"),
    [
        ("09-15", ["mobility"]),
        ("02-13", ["infrastructure-disaster-prevention"]),
        ("08-06", ["health-medical-care"]),  # ratio 0.78, just above the threshold
        ("02-07", ["agriculture-forestry-fisheries"]),  # 再掲 in its own section
        ("08-16", ["infrastructure-disaster-prevention"]),  # 後掲 from (2), listed in (7)
        ("06-07", ["tourism"]),  # 再掲 of 4K・8K
        ("02-12", []),  # ratio 0.67: a different measure
        ("01-01", []),
    ],
)
def test_priority_fields_of_measures(measure_id: str, fields: list[str]) -> None:
    assert _measure(measure_id).priority_fields == fields


def test_number_of_measures_placed_in_priority_fields() -> None:
    assert sum(1 for m in _plan().measures if m.priority_fields) == 38


def test_a_near_miss_below_the_threshold_is_not_matched() -> None:
    # 0.76 against 02-08 気象情報の利活用の促進: a wrong match if accepted.
    item = PriorityItem(2, "e-government", "法人情報の利活用促進", repeated=False)
    assert match_item(item, _plan().measures) is None


def test_an_item_only_matches_its_own_section_unless_restated() -> None:
    title = "地理空間情報（Ｇ空間情報）の流通基盤の整備等"  # 08-16
    own = PriorityItem(2, "infrastructure-disaster-prevention", title, repeated=False)
    restated = PriorityItem(2, "infrastructure-disaster-prevention", title, repeated=True)
    assert match_item(own, _plan().measures) is None
    found = match_item(restated, _plan().measures)
    assert found is not None and found[0].id == "08-16"
