"""The English catalogue: every UI string in the templates and app/web is translated, and
the committed .mo (what `pip install` ships) says what the .po says."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.web.i18n import LOCALE_DIR, translations

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.mo"


def _source_msgids() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(
        str(ROOT / "app" / "web"), method_map, options, keywords={"_": None, "gettext": None}
    )
    return {msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _ctx in found}


def test_every_ui_string_has_an_english_translation() -> None:
    catalog = read_po(PO.open("rb"))
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(i for i in _source_msgids() if not translated.get(i))
    assert missing == [], "run tools/i18n.sh and translate these"


def test_compiled_catalogue_matches_the_po() -> None:
    po = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    mo = {m.id: m.string for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    assert mo == po, "run tools/i18n.sh (pybabel compile) and commit the .mo"
    assert translations("en").gettext("本文へ移動") == "Skip to main content"
    assert translations("ja").gettext("本文へ移動") == "本文へ移動"


def test_the_catalogue_script_keeps_every_translation_in_use() -> None:
    """tools/i18n.sh must not drop a translated message that the code still shows: the
    bulk-upload messages are raised as plain literals, which keyword extraction misses."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import i18n_merge  # type: ignore[import-not-found]

    pot = read_po(io.BytesIO((LOCALE_DIR / "messages.pot").read_bytes()))
    po = read_po(PO.open("rb"), locale="en")
    merged, kept, dropped = i18n_merge.merge(pot, po, i18n_merge._source_text())
    assert dropped == [], "messages no source uses: run tools/i18n.sh"
    assert {m.id: m.string for m in merged if m.id} == {m.id: m.string for m in po if m.id}
    # A bulk-upload refusal raised as a literal in app/bulk is among the kept ones, in English.
    literal = "ファイルが空です。オープンデータ一覧の CSV または XLSX を選んでください"
    assert literal in kept
    assert translations("en").gettext(literal) != literal
