"""read model: dataset_rendering.dcat_ttl_dump and dcat_jsonld_dump (the dataset's Turtle and
JSON-LD, gzip-ready for the dumps, as dcat_nt_dump is for N-Triples)

Nullable: rows stored before this revision get theirs at their next write or from
`catalog readmodel rebuild`; until then the dumps render those datasets afresh.

Revision ID: 0011_dumpforms
Revises: 0010_pagingmemo
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_dumpforms"
down_revision: str | None = "0010_pagingmemo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dataset_rendering") as batch:
        batch.add_column(sa.Column("dcat_ttl_dump", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("dcat_jsonld_dump", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_rendering") as batch:
        batch.drop_column("dcat_jsonld_dump")
        batch.drop_column("dcat_ttl_dump")
