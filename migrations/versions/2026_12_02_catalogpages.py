"""dataset: index (state, private, id) for catalogue pages in id order

A catalogue page lists the visible datasets in id order (`/catalog.ttl?page=N`, stable while
datasets are edited). With only (state, private, metadata_modified), SQLite sorted every public
dataset for each page (23 ms at 10,000); this index walks them in id order (0.7 ms).

Revision ID: 0012_catalogpages
Revises: 0011_dumpforms
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_catalogpages"
down_revision: str | None = "0011_dumpforms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_dataset_state_private_id", "dataset", ["state", "private", "id"])


def downgrade() -> None:
    op.drop_index("ix_dataset_state_private_id", table_name="dataset")
