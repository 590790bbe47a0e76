"""standard kinds renumbered to the official 自治体標準オープンデータセット list

`standard_kind` holds a kind id; the ids that were not the definition book's file-name slugs
are rewritten (dataset and search_doc rows alike), so 07 is 公衆無線LAN and 08 AED as in the
データ項目定義書. 指定避難所一覧 (evacuation_shelter) has no entry of its own in the official
list and becomes 03 指定緊急避難場所一覧. History snapshots keep the id they were written with.

Revision ID: 0006_ckan
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_ckan"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration must not change when the application code does.
RENAMED = {
    "childcare_facility": "preschool",
    "public_wifi": "public_wireless_lan",
    "medical_institution": "hospital",
    "tourism_facility": "tourism",
    "fire_water": "fire_hydrant",
    "evacuation_shelter": "evacuation_space",
}
TABLES = ("dataset", "search_doc")


def _rename(pairs: dict[str, str]) -> None:
    for table in TABLES:
        target = sa.table(table, sa.column("standard_kind", sa.String))
        for old, new in pairs.items():
            op.execute(
                target.update().where(target.c.standard_kind == old).values(standard_kind=new)
            )


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    # evacuation_shelter cannot be told apart from evacuation_space any more: it stays 03.
    _rename({new: old for old, new in RENAMED.items() if old != "evacuation_shelter"})
