"""serving state shared by web workers: paging_memo (CKAN `start` paging positions) and
serving_state (the DCAT context generation readers cache the context by)

Revision ID: 0010_pagingmemo
Revises: 0009_websession (chained after main's 0008_dumpnt and 0009_websession at merge)
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_pagingmemo"
down_revision: str | None = "0009_websession"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paging_memo",
        sa.Column("query_key", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("last_id", sa.String(length=36), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("query_key", "start", name=op.f("pk_paging_memo")),
    )
    op.create_index(op.f("ix_paging_memo_stored_at"), "paging_memo", ["stored_at"], unique=False)
    state = op.create_table(
        "serving_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("context_generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_state")),
    )
    op.bulk_insert(state, [{"id": 1, "context_generation": 1}])


def downgrade() -> None:
    op.drop_table("serving_state")
    op.drop_index(op.f("ix_paging_memo_stored_at"), table_name="paging_memo")
    op.drop_table("paging_memo")
