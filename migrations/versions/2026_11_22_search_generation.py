"""search generations: search_doc.generation, search_state, search_gone

What the in-memory index (app.search.memory) needs to catch up with writes made by other
processes. PostgreSQL databases indexed before this revision have no search_source rows (it
was SQLite only): the memory index then stays off and the database index answers, until
`catalog search reindex` fills them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    op.create_table(
        "search_gone",
        sa.Column("generation", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("doc_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("generation", "doc_id", name=op.f("pk_search_gone")),
    )
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.create_index(batch_op.f("ix_search_doc_generation"), ["generation"])
    state = sa.table(
        "search_state",
        sa.column("id", sa.Integer()),
        sa.column("epoch", sa.BigInteger()),
        sa.column("generation", sa.BigInteger()),
    )
    op.bulk_insert(state, [{"id": 1, "epoch": secrets.randbits(62), "generation": 0}])


def downgrade() -> None:
    op.drop_index(op.f("ix_search_doc_generation"), table_name="search_doc")
    # Plain ALTER TABLE (SQLite >= 3.35): a batch copy of search_doc would lose its trigger.
    op.execute("ALTER TABLE search_doc DROP COLUMN generation")
    op.drop_table("search_gone")
    op.drop_table("search_state")
