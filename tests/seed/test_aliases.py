"""The reference resolver's alias tables (seed/aliases.json): each alias resolves to a real
record of the seed, and the DATA.GO.JP codes copied from ../shared still match their source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.catalog import references
from app.catalog.references import Vocabulary, alias_tables, local_government_code, ref_key
from app.db import session_scope
from seed import seed_dir
from tests.conftest import Backend

# ../shared beside the repository (or beside the folder of worktrees).
_REPO = Path(__file__).resolve().parents[2]
FACTS = next(
    (p for base in (_REPO.parent, _REPO.parent.parent)
     if (p := base / "shared" / "data" / "datagojp-facts.md").exists()),
    _REPO.parent / "shared" / "data" / "datagojp-facts.md",
)  # fmt: skip
ROW = re.compile(r"^\| (org_\d{4}|gr_\d{4}) \| ([^|]+?) \| .* \| (high|medium|low)[^|]*\|$")


def _facts() -> dict[str, tuple[str, str]]:
    """code -> (title, confidence) from the facts file's tables."""
    rows: dict[str, tuple[str, str]] = {}
    for line in FACTS.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows.setdefault(match.group(1), (match.group(2).strip(), match.group(3)))
    return rows


def test_copied_codes_match_the_facts_file() -> None:
    assert FACTS.exists(), f"the read-only inputs are needed beside the repository: {FACTS}"
    facts = _facts()
    raw = json.loads((seed_dir() / "aliases.json").read_text(encoding="utf-8"))
    ministries = json.loads((seed_dir() / "organizations.json").read_text(encoding="utf-8"))
    titles = {m["name"]: m["title"] for m in ministries["ministries"]}
    copied = {k: v for k, v in raw["organizations"].items() if k.startswith("org_")}
    assert copied, "no org_ codes in the alias table"
    for code, name in copied.items():
        title, confidence = facts[code]
        assert titles[name] == title, code
        assert confidence in ("high", "medium"), f"{code} is only {confidence} in the facts"
    for code, title in raw["categories"].items():
        assert facts[code][0] == title, code
    # Every medium/high organisation code whose ministry we hold is in the table.
    for code, (title, confidence) in facts.items():
        if code.startswith("org_") and confidence != "low" and title in titles.values():
            assert code in copied, f"{code} ({title}) is missing from seed/aliases.json"


def test_alias_keys_normalise_width_case_and_spaces() -> None:
    assert ref_key("ＣＣ－ＢＹ　４．０") == ref_key("cc-by 4.0") == "cc-by4.0"
    assert ref_key("https://creativecommons.org/licenses/by/4.0/") == ref_key(
        "http://creativecommons.org/licenses/by/4.0"
    )
    assert local_government_code("01100") == "011002"  # check digit added
    assert local_government_code("０１１００２") == "011002"
    assert local_government_code("札幌") is None


def test_every_alias_points_at_a_seeded_record(backend: Backend) -> None:
    tables = alias_tables()
    with session_scope(backend.sessions) as session:
        vocab = Vocabulary.load(session)
        for alias, name in tables["organizations"].items():
            org = references.organization(session, alias)
            assert org is not None and org.name == name, alias
        for alias in tables["categories"]:
            assert vocab.category(alias) is not None, alias
        for alias, lic in tables["licenses"].items():
            assert vocab.license(alias) == lic, alias


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("CC-BY", "cc-by"),
        ("CC BY 4.0", "cc-by-4.0"),
        ("cc-by-4.0", "cc-by-4.0"),
        ("CC-BY4.0", "cc-by-4.0"),
        ("政府標準利用規約（第2.0版）", "gsl-2.0"),
        ("政府標準利用規約（第 2.0 版）", "gsl-2.0"),  # DATA.GO.JP's spelling
        ("公共データ利用規約（PDL1.0）", "pdl-1.0"),
        ("ODC-BY", "odc-by"),
        ("https://creativecommons.org/licenses/by/4.0/", "cc-by-4.0"),
        ("Creative Commons Attribution 4.0 International (CC BY 4.0)", "cc-by-4.0"),
        ("独自の規約", None),
    ],
)
def test_licences_resolve_by_id_title_uri_and_alias(
    backend: Backend, ref: str, expected: str | None
) -> None:
    with session_scope(backend.sessions) as session:
        assert Vocabulary.load(session).license(ref) == expected


def _org(session: Session, ref: str) -> str | None:
    org = references.organization(session, ref)
    return org.name if org else None


def test_organisations_resolve_by_every_name(backend: Backend) -> None:
    with session_scope(backend.sessions) as session:
        assert _org(session, "org_0900") == "caa"
        assert _org(session, "消費者庁") == "caa"
        assert _org(session, "caa") == "caa"
        assert _org(session, "011002") == "011002"  # 札幌市, with its check digit
        assert _org(session, "01100") == "011002"  # without it
        assert _org(session, "org_0300") is None  # 人事院: not an organisation here
        caa = references.organization(session, "caa")
        assert caa is not None and _org(session, caa.id) == "caa"
        vocab = Vocabulary.load(session)
        assert vocab.category("gr_1300") == vocab.category("行財政") is not None
        assert vocab.category("gr_0200") == "population-households"
