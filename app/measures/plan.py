"""Parser for the two plan documents (官民データ活用推進基本計画).

Seed 000 is the 2020 table of measures (別表), a PDF extracted to TSV; seed 002 is the
2017 main text. Both are messy in known ways (see docs/PRODUCT.md §2), so every rule
here either cleans a documented artefact or fails loudly: a seed that stops matching
what we know must break the build, never yield quietly wrong data.

Pure functions only: no database, no settings, no file access.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace

# --- reference tables -----------------------------------------------------------------


@dataclass(frozen=True)
class MinistryInfo:
    title: str  # as written in the table
    name: str  # CKAN organisation name
    title_en: str


MINISTRIES: tuple[MinistryInfo, ...] = (
    MinistryInfo("内閣官房", "cas", "Cabinet Secretariat"),
    MinistryInfo("内閣府", "cao", "Cabinet Office"),
    MinistryInfo("警察庁", "npa", "National Police Agency"),
    MinistryInfo("個人情報保護委員会", "ppc", "Personal Information Protection Commission"),
    MinistryInfo("金融庁", "fsa", "Financial Services Agency"),
    MinistryInfo("消費者庁", "caa", "Consumer Affairs Agency"),
    MinistryInfo("総務省", "soumu", "Ministry of Internal Affairs and Communications"),
    MinistryInfo("消防庁", "fdma", "Fire and Disaster Management Agency"),
    MinistryInfo("法務省", "moj", "Ministry of Justice"),
    MinistryInfo("外務省", "mofa", "Ministry of Foreign Affairs"),
    MinistryInfo("財務省", "mof", "Ministry of Finance"),
    MinistryInfo("国税庁", "nta", "National Tax Agency"),
    MinistryInfo(
        "文部科学省", "mext", "Ministry of Education, Culture, Sports, Science and Technology"
    ),
    MinistryInfo("厚生労働省", "mhlw", "Ministry of Health, Labour and Welfare"),
    MinistryInfo("農林水産省", "maff", "Ministry of Agriculture, Forestry and Fisheries"),
    MinistryInfo("経済産業省", "meti", "Ministry of Economy, Trade and Industry"),
    MinistryInfo("国土交通省", "mlit", "Ministry of Land, Infrastructure, Transport and Tourism"),
    MinistryInfo("環境省", "env", "Ministry of the Environment"),
)
MINISTRY_BY_TITLE = {m.title: m for m in MINISTRIES}

# Collective mentions: kept as entries, but they are not organisations.
COLLECTIVE_NAMES = frozenset({"関係府省庁", "全府省庁"})


@dataclass(frozen=True)
class SectionSpec:
    prefix: str
    title: str
    article: str | None


# PRODUCT.md §2: the 2020 sections (ID prefixes), their article of the basic law.
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("01", "行政手続等のオンライン化原則", "第10条"),
    SectionSpec("02", "オープンデータの促進", "第11条第1項・第2項"),
    SectionSpec("03", "データの円滑な流通の促進", "第11条第3項"),
    SectionSpec("04", "データ利活用のルール整備", "第12条"),
    SectionSpec("05", "マイナンバーカードの普及・活用", "第13条"),
    SectionSpec("06", "利用の機会等の格差の是正", "第14条"),
    SectionSpec("07", "情報システム改革・業務の見直し", "第15条第1項"),
    SectionSpec("08", "データ連携のためのプラットフォーム整備", "第15条第2項"),
    SectionSpec("09", "研究開発", "第16条"),
    SectionSpec("10", "人材育成、普及啓発等", "第17条・第18条"),
    SectionSpec("11", "国の施策と地方の施策との整合性の確保等", "第19条"),
    SectionSpec("12", "国際貢献及び国際競争力の強化に向けた国際展開", None),
)

# 重点分野, in the order of the main text, with stable ids.
PRIORITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("e-government", "電子行政"),
    ("health-medical-care", "健康・医療・介護"),
    ("tourism", "観光"),
    ("finance", "金融"),
    ("agriculture-forestry-fisheries", "農林水産"),
    ("manufacturing", "ものづくり"),
    ("infrastructure-disaster-prevention", "インフラ・防災・減災等"),
    ("mobility", "移動"),
)
FIELD_ID_BY_NAME = {name: fid for fid, name in PRIORITY_FIELDS}
FIELD_ORDER = {fid: i for i, (fid, _) in enumerate(PRIORITY_FIELDS)}

# Below this, title matches were measured to be wrong (0.76: 法人情報の利活用促進 →
# 気象情報の利活用の促進); above it, all ~40 matches are genuine.
MATCH_THRESHOLD = 0.78

# --- parsed records -------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    name: str
    lead: bool


@dataclass(frozen=True)
class MinistryEntry:
    name: str
    lead: bool
    organization: str | None
    units: list[Unit] = field(default_factory=list)
    and_others: bool = False


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    in_main_text: bool
    kpi_progress: str | None
    kpi_effect: str | None
    summary: list[str]
    section: int
    ministries: list[MinistryEntry]
    priority_fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    number: int
    prefix: str
    title: str
    article: str | None
    main_text_heading: str


@dataclass(frozen=True)
class PriorityItem:
    """One "・ title" of a ② 重点分野のうち重点的に講ずべき施策 part of the main text."""

    section_2017: int
    field_id: str
    title: str
    repeated: bool  # 再掲/後掲: restated from another section


@dataclass(frozen=True)
class MainText:
    headings: dict[int, str]  # 2017 section number -> heading, whitespace-collapsed
    priority_field_names: list[str]
    items: list[PriorityItem]


# --- text helpers ---------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_WS = re.compile(r"\s+")


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def strip_tags(text: str) -> str:
    # The PDF extraction leaked <ul style=...>/<p> markup; it must never be kept.
    return _TAG.sub(" ", text)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def article_numbers(text: str) -> list[int]:
    """第 11 条第１項及び第２項 and 第11条第1項・第2項 both give [11, 1, 2]."""
    return [int(n) for n in re.findall(r"\d+", nfkc(text))]


# --- seed 000: the table --------------------------------------------------------------

_ROW = re.compile(r"^\d\d-\d\d\t")
# A bullet is a hyphen at the start or after whitespace; "e-Gov", "Wi-Fi" have a
# letter before it. "-IoT", "-4K", "-PDCA" do occur as bullets, so what follows is free.
_BULLET = re.compile(r"(?:^|(?<=\s))-")
_SENTENCE_BREAK = re.compile(r"(?<=。)\s+")
_STRAY_MARKS = re.compile(r"^(?:[○◎]\s+)+")
_UNITS = re.compile(r"^([^(（]+)[(（](.*)[)）]$")


def table_rows(text: str) -> list[list[str]]:
    """Measure rows only: the header lines repeat on every PDF page."""
    return [line.rstrip("\r").split("\t") for line in text.split("\n") if _ROW.match(line)]


def parse_kpi(cell: str) -> str | None:
    value = collapse(strip_tags(cell))
    return None if value in ("", "-") else value


def split_summary(cell: str) -> list[str]:
    text = strip_tags(cell).strip()
    parts = _BULLET.split(text) if _BULLET.search(text) else _SENTENCE_BREAK.split(text)
    return [p for p in (collapse(part) for part in parts) if p]


def split_top_level(text: str, sep: str = "、") -> list[str]:
    """Split on sep only outside parentheses (both （） and ())."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise ValueError(f"unbalanced parentheses in {text!r}")
    parts.append("".join(current))
    return parts


def _lead(token: str) -> tuple[str, bool]:
    token = token.strip()
    return (token[1:].strip(), True) if token.startswith("◎") else (token, False)


def parse_ministry(token: str, row_id: str) -> MinistryEntry:
    name, lead = _lead(token)
    units: list[Unit] = []
    m = _UNITS.match(name)
    if m:
        name = m.group(1).strip()
        units = [Unit(n, ld) for n, ld in map(_lead, split_top_level(m.group(2)))]
    and_others = False
    # "環境省等": the trailing 等 means "and others", it is not part of the name.
    if name.endswith("等") and name not in MINISTRY_BY_TITLE:
        name, and_others = name[:-1], True
    if name in COLLECTIVE_NAMES:
        organization = None
    elif name in MINISTRY_BY_TITLE:
        organization = MINISTRY_BY_TITLE[name].name
    else:
        raise ValueError(f"{row_id}: unknown ministry {name!r} in 府省庁名")
    # A lead unit inside the parentheses makes its ministry a lead.
    lead = lead or any(u.lead for u in units)
    return MinistryEntry(name, lead, organization, units, and_others)


def parse_ministries(cell: str, row_id: str) -> list[MinistryEntry]:
    # ○/◎ marks collapsed from the article columns can precede the cell, separated by
    # whitespace ("○ ○ ◎文部科学省"); a ◎ attached to a name marks the lead.
    text = _STRAY_MARKS.sub("", cell.strip())
    if not text:
        raise ValueError(f"{row_id}: empty 府省庁名")
    return [parse_ministry(token, row_id) for token in split_top_level(text)]


def parse_row(cells: list[str]) -> Measure:
    row_id = cells[0]
    if len(cells) < 7:
        raise ValueError(f"{row_id}: only {len(cells)} cells")
    if cells[1] not in ("○", ""):
        raise ValueError(f"{row_id}: unexpected 本文記載 {cells[1]!r}")
    section = int(row_id[:2])
    if not 1 <= section <= len(SECTIONS):
        raise ValueError(f"{row_id}: no section {section}")
    # Cells 0..5 are positional; the mark columns after them collapsed, so the
    # ministries are the last non-empty cell.
    last = [c for c in cells[6:] if c.strip()]
    if not last:
        raise ValueError(f"{row_id}: no 府省庁名 cell")
    return Measure(
        id=row_id,
        title=collapse(strip_tags(cells[2])),
        in_main_text=cells[1] == "○",
        kpi_progress=parse_kpi(cells[3]),
        kpi_effect=parse_kpi(cells[4]),
        summary=split_summary(cells[5]),
        section=section,
        ministries=parse_ministries(last[-1], row_id),
    )


def parse_table(text: str) -> list[Measure]:
    measures = [parse_row(cells) for cells in table_rows(text)]
    ids = [m.id for m in measures]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate measure IDs in the table")
    return sorted(measures, key=lambda m: m.id)


# --- seed 002: the main text ----------------------------------------------------------

_HEADING = re.compile(r"^II-1-\((\d+)\)")  # Ⅱ－１－(n) after NFKC
_FIELD_HEADING = re.compile(r"^＜(.+)分野＞$")
_FIELD_LIST = re.compile(r"(\d+)つの分野\((.+?)\)を重点分野として指定")
_ITEM_STOP = re.compile(r"^(?:[-・＜①-⑳]|KPI|\d)")
_REPEATED = re.compile(r"\((?:再掲|後掲)\)")
_GLUED_FOOTNOTE = re.compile(r"(?<=[A-Za-z])\d+(?=[^\x00-\x7f])")


def _is_heading(line: str) -> bool:
    return bool(_HEADING.match(nfkc(line.strip())))


def _heading_text(lines: list[str], start: int) -> str:
    """A heading may wrap: 【…】 left open, or a trailing 、 before a second title."""
    parts = [lines[start].strip()]
    i = start + 1
    while "".join(parts).count("【") > "".join(parts).count("】") or parts[-1].endswith("、"):
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or len(parts) == 3:
            raise ValueError(f"unterminated heading {parts[0]!r}")
        parts.append(lines[i].strip())
        i += 1
    # PDF line breaks inside Japanese text are not spaces.
    return collapse("".join(parts))


def _part2_lines(text: str) -> list[str]:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if nfkc(line.strip()).startswith("第2部"):
            return lines[i:]
    raise ValueError("main text: 第２部 not found")


def _priority_field_names(lines: list[str]) -> list[str]:
    start = next((i for i, ln in enumerate(lines) if "重点分野の指定" in ln), None)
    if start is None:
        raise ValueError("main text: 重点分野の指定 not found")
    joined = nfkc("".join(ln.strip() for ln in lines[start : start + 80]))
    m = _FIELD_LIST.search(joined)
    if not m:
        raise ValueError("main text: list of priority fields not found")
    names = m.group(2).split("、")
    if len(names) != int(m.group(1)):
        raise ValueError(f"main text: {m.group(1)} priority fields announced, {len(names)} listed")
    return names


def _item_title(lines: list[str], start: int) -> str:
    """An item title can wrap onto the next line(s)."""
    parts = [lines[start].strip().removeprefix("・")]
    for line in lines[start + 1 : start + 6]:
        if not line:
            continue
        stripped = line.strip()
        # Whitespace-only lines separate footnotes; markers start the next block.
        if not stripped or _ITEM_STOP.match(stripped) or _is_heading(stripped):
            break
        parts.append(stripped)
    return collapse("".join(parts))


def _section_items(lines: list[str], section: int) -> list[PriorityItem]:
    items: list[PriorityItem] = []
    in_priority = False
    field_id: str | None = None
    for i, line in enumerate(lines):
        s = line.strip()
        if re.match(r"^[①-⑳]", s):
            in_priority = s.startswith("②") and "重点分野" in s
            field_id = None
            continue
        if not in_priority:
            continue
        m = _FIELD_HEADING.match(s)
        if m:
            if m.group(1) not in FIELD_ID_BY_NAME:
                raise ValueError(f"main text ({section}): unknown priority field {s!r}")
            field_id = FIELD_ID_BY_NAME[m.group(1)]
        elif s.startswith("・"):
            if field_id is None:
                raise ValueError(f"main text ({section}): item before any field: {s!r}")
            title = _item_title(lines, i)
            repeated = bool(_REPEATED.search(nfkc(title)))
            items.append(PriorityItem(section, field_id, title, repeated))
    return items


def parse_main_text(text: str) -> MainText:
    lines = _part2_lines(text)
    starts = [i for i, line in enumerate(lines) if _is_heading(line)]
    headings: dict[int, str] = {}
    items: list[PriorityItem] = []
    for k, start in enumerate(starts):
        heading = _heading_text(lines, start)
        m = _HEADING.match(nfkc(heading))
        assert m is not None  # _is_heading matched this line
        number = int(m.group(1))
        if number != len(headings) + 1:
            raise ValueError(f"main text: section ({number}) out of order")
        headings[number] = heading
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        items.extend(_section_items(lines[start + 1 : end], number))
    return MainText(headings, _priority_field_names(lines), items)


def prefixes_of_2017_section(number: int) -> list[str]:
    """2017 (2) was split into 2020 02 and 03; later sections shift by one."""
    if number == 1:
        return ["01"]
    if number == 2:
        return ["02", "03"]
    return [f"{number + 1:02d}"]


def _heading_segments(heading: str) -> list[tuple[str, str | None]]:
    """(title text, article) pairs; (11) has no 【…】 and so no article."""
    body = _HEADING.sub("", nfkc(heading).replace(" ", ""))
    pairs = re.findall(r"([^【】]*)【([^】]*)】", body)
    return [(t, a) for t, a in pairs] if pairs else [(body, None)]


def check_sections(main: MainText) -> list[Section]:
    """The 2020 section table must agree with the 2017 headings, or we stop."""
    if len(main.headings) != 11:
        raise ValueError(f"main text: expected 11 sections, found {len(main.headings)}")
    by_prefix = {s.prefix: s for s in SECTIONS}
    sections: list[Section] = []
    for number, heading in main.headings.items():
        prefixes = prefixes_of_2017_section(number)
        segments = _heading_segments(heading)
        if len(segments) != len(prefixes):
            raise ValueError(f"main text ({number}): {len(segments)} titles in {heading!r}")
        for prefix, (title, article) in zip(prefixes, segments, strict=True):
            spec = by_prefix[prefix]
            if nfkc(spec.title).replace(" ", "") not in title:
                raise ValueError(f"section {prefix}: {spec.title!r} not in heading {heading!r}")
            expected = article_numbers(spec.article) if spec.article else None
            found = article_numbers(article) if article is not None else None
            if expected != found:
                raise ValueError(
                    f"section {prefix}: article {spec.article!r} disagrees with {heading!r}"
                )
            sections.append(Section(int(prefix), prefix, spec.title, spec.article, heading))
    return sections


def check_priority_fields(main: MainText) -> None:
    names = [name for _, name in PRIORITY_FIELDS]
    if main.priority_field_names != names:
        raise ValueError(f"main text lists priority fields {main.priority_field_names}")


# --- matching main-text items to measures ---------------------------------------------


def normalise_title(title: str) -> str:
    """Comparable form: NFKC, no 再掲/後掲, no spaces, no footnote numbers."""
    text = _REPEATED.sub("", nfkc(title))
    text = _WS.sub("", text)
    text = _GLUED_FOOTNOTE.sub("", text)  # "i-Construction37の推進"
    return re.sub(r"\d+$", "", text)  # "…高度化34"


def match_item(item: PriorityItem, measures: list[Measure]) -> tuple[Measure, float] | None:
    """Best-scoring measure at or above the threshold, in the item's own section
    unless the item is restated (再掲/後掲) from elsewhere."""
    allowed = prefixes_of_2017_section(item.section_2017)
    target = normalise_title(item.title)
    best: tuple[Measure, float] | None = None
    for measure in measures:
        ratio = difflib.SequenceMatcher(None, target, normalise_title(measure.title)).ratio()
        if best is None or ratio > best[1]:
            best = (measure, ratio)
    if best is None or best[1] < MATCH_THRESHOLD:
        return None
    if not item.repeated and best[0].id[:2] not in allowed:
        return None
    return best


def assign_priority_fields(measures: list[Measure], items: list[PriorityItem]) -> list[Measure]:
    fields: dict[str, set[str]] = {m.id: set() for m in measures}
    for item in items:
        found = match_item(item, measures)
        if found:
            fields[found[0].id].add(item.field_id)
    return [
        replace(m, priority_fields=sorted(fields[m.id], key=FIELD_ORDER.__getitem__))
        for m in measures
    ]


# --- entry point ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    sections: list[Section]
    priority_fields: list[tuple[str, str]]
    measures: list[Measure]
    items: list[PriorityItem]


def parse_plan(table_text: str, main_text: str) -> Plan:
    main = parse_main_text(main_text)
    sections = check_sections(main)
    check_priority_fields(main)
    measures = assign_priority_fields(parse_table(table_text), main.items)
    return Plan(sections, list(PRIORITY_FIELDS), measures, main.items)


def ministries_named(measures: list[Measure]) -> list[MinistryInfo]:
    """The ministries the table actually names, sorted by CKAN name."""
    titles = {e.name for m in measures for e in m.ministries if e.organization}
    return sorted((MINISTRY_BY_TITLE[t] for t in titles), key=lambda m: m.name)
