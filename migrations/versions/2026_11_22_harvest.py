"""harvest: sources, jobs, per-record results and the identity map

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 12:24:07.994559
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "harvest_source",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("creator_user_id", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_harvest_source_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_source")),
        sa.UniqueConstraint("name", name=op.f("uq_harvest_source_name")),
    )
    with op.batch_alter_table("harvest_source", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harvest_source_next_run_at"), ["next_run_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_harvest_source_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "harvest_job",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=True),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.Column("heartbeat", sa.DateTime(), nullable=True),
        sa.Column("runner", sa.String(length=200), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("watermark", sa.DateTime(), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("errored", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_source.id"],
            name=op.f("fk_harvest_job_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_job")),
    )
    with op.batch_alter_table("harvest_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_job_source_id"), ["source_id"], unique=False)
        batch_op.create_index("ix_harvest_job_status_created", ["status", "created"], unique=False)
        batch_op.create_index(
            "uq_harvest_job_active_source",
            ["source_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )

    op.create_table(
        "harvest_record",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("remote_key", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("remote_uri", sa.Text(), nullable=True),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("dataset_id", sa.String(length=36), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("remote_modified", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_changed", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_harvest_record_dataset_id_dataset"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_source.id"],
            name=op.f("fk_harvest_record_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_record")),
        sa.UniqueConstraint("source_id", "remote_key", name=op.f("uq_harvest_record_source_id")),
    )
    with op.batch_alter_table("harvest_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harvest_record_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_harvest_record_identifier"), ["identifier"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_harvest_record_remote_uri"), ["remote_uri"], unique=False
        )

    op.create_table(
        "harvest_object",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("remote_key", sa.Text(), nullable=False),
        sa.Column("remote_url", sa.Text(), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=True),
        sa.Column("dataset_name", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["harvest_job.id"],
            name=op.f("fk_harvest_object_job_id_harvest_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_object")),
    )
    with op.batch_alter_table("harvest_object", schema=None) as batch_op:
        batch_op.create_index("ix_harvest_object_job_status", ["job_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("harvest_object", schema=None) as batch_op:
        batch_op.drop_index("ix_harvest_object_job_status")

    op.drop_table("harvest_object")
    with op.batch_alter_table("harvest_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_record_remote_uri"))
        batch_op.drop_index(batch_op.f("ix_harvest_record_identifier"))
        batch_op.drop_index(batch_op.f("ix_harvest_record_dataset_id"))

    op.drop_table("harvest_record")
    with op.batch_alter_table("harvest_job", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_harvest_job_active_source",
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.drop_index("ix_harvest_job_status_created")
        batch_op.drop_index(batch_op.f("ix_harvest_job_source_id"))

    op.drop_table("harvest_job")
    with op.batch_alter_table("harvest_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_source_organization_id"))
        batch_op.drop_index(batch_op.f("ix_harvest_source_next_run_at"))

    op.drop_table("harvest_source")
