"""read model: dataset_rendering (stored package dict, v1 record and DCAT Turtle per dataset)

Derived data: datasets written before this revision have no row and are served by the fresh
path until `catalog readmodel rebuild` (or their next write) renders them.

Revision ID: 0007_readmodel
Revises: 0006_ckan
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_readmodel"
down_revision: str | None = "0006_ckan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset_rendering",
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_org", sa.String(length=36), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("metadata_modified", sa.DateTime(), nullable=False),
        sa.Column("package_json", sa.LargeBinary(), nullable=False),
        sa.Column("v1_json", sa.LargeBinary(), nullable=False),
        sa.Column("dcat_turtle", sa.LargeBinary(), nullable=False),
        sa.Column("dcat_context", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_dataset_rendering")),
    )
    op.create_index(op.f("ix_dataset_rendering_name"), "dataset_rendering", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dataset_rendering_name"), table_name="dataset_rendering")
    op.drop_table("dataset_rendering")
