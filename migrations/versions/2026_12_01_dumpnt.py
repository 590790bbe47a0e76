"""read model: dataset_rendering.dcat_nt_dump (the dataset's N-Triples, gzip-ready for the dump)

Nullable: rows stored before this revision get theirs at their next write or from
`catalog readmodel rebuild`; until then the dump renders those datasets afresh.

Revision ID: 0008_dumpnt
Revises: 0007_readmodel
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_dumpnt"
down_revision: str | None = "0007_readmodel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dataset_rendering") as batch:
        batch.add_column(sa.Column("dcat_nt_dump", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_rendering") as batch:
        batch.drop_column("dcat_nt_dump")
