"""Merge the extracted template (messages.pot) into the English catalogue without losing text.

`pybabel update` marks every msgid it did not extract as obsolete, and obsolete entries are
not compiled. Some UI text is not extractable by keyword: the bulk-upload messages in
`app/bulk/` are raised as plain Japanese literals and translated where they are shown. So an
entry missing from the template is kept when its msgid still occurs literally in a source
file under `app/`, and dropped only when no source uses it any more.

    python tools/i18n_merge.py POT PO      # rewrites PO in place; prints what it kept/dropped
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("*.py", "*.html", "*.js")


def _source_text() -> str:
    parts = [p.read_text(encoding="utf-8") for pat in SOURCES for p in (ROOT / "app").rglob(pat)]
    # Join Python's implicitly concatenated literals ("…"\n    "…") so a message split over
    # lines is found whole.
    return re.sub(r"\"\s*\n\s*\"", "", "\n".join(parts))


def merge(pot: Catalog, po: Catalog, source: str) -> tuple[Catalog, list[str], list[str]]:
    """The catalogue `pot` with `po`'s translations; (catalogue, kept literals, dropped ids)."""
    out = Catalog(locale=po.locale, domain=po.domain, fuzzy=False)
    out.header_comment = po.header_comment
    for msg in pot:
        if not msg.id:
            continue
        old = po.get(msg.id, msg.context)
        out.add(msg.id, old.string if old is not None else "", context=msg.context)
    kept: list[str] = []
    dropped: list[str] = []
    for msg in po:
        if not msg.id or out.get(msg.id, msg.context) is not None:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if key in source:
            out.add(msg.id, msg.string, context=msg.context)
            kept.append(key)
        else:
            dropped.append(key)
    return out, kept, dropped


def main(pot_path: str, po_path: str) -> None:
    with open(pot_path, "rb") as f:
        pot = read_po(f)
    with open(po_path, "rb") as f:
        po = read_po(f, locale="en")
    out, kept, dropped = merge(pot, po, _source_text())
    with open(po_path, "wb") as f:
        write_po(f, out, width=100, omit_header=False, sort_output=True, no_location=True)
    print(
        f"{len(out)} messages; kept {len(kept)} used outside keyword calls; dropped {len(dropped)}"
    )
    for d in dropped:
        print("  dropped:", d[:80])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
