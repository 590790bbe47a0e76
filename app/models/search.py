"""The search index tables (derived data: `catalog search reindex` rebuilds them from datasets).

`search_doc` holds one row per indexed dataset with what visibility, sorting and facets
need (single-valued facets as columns, multi-valued ones packed in `facets`). The full-text
part lives beside it and is made by hand in the migration, per database: a contentless
FTS5 table `search_fts` on SQLite (rowid = doc_id), whose indexed text `search_source`
keeps (compressed) so rows can be deleted; the columns `tsv` / `title_tsv` with a GIN index
on PostgreSQL. Deleted datasets are never in the index.

`search_source` also feeds the in-memory index (app.search.memory) on both databases, which
catches up with writes through `search_state.generation`: every index write takes the next
generation (one row, updated in the writer's transaction, so generations commit in order),
stamps it on the rows it writes and on `search_gone` for the documents it removes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


def _bytewise(length: int | None = None) -> String:
    # Sort keys compare by code point on both databases: SQLite's BINARY, PostgreSQL's "C".
    plain = String(length) if length else Text()
    return plain.with_variant(
        String(length, collation="C") if length else Text(collation="C"), "postgresql"
    )


class SearchDoc(Base):
    __tablename__ = "search_doc"
    __table_args__ = (
        Index("ix_search_doc_modified", "metadata_modified", "dataset_id"),
        Index("ix_search_doc_created", "metadata_created", "dataset_id"),
        Index("ix_search_doc_title", "title_key", "dataset_id"),
        Index("ix_search_doc_name", "name", "dataset_id"),
        # AUTOINCREMENT: SQLite never reuses a doc_id, so an FTS5 row can never be
        # mistaken for a later document.
        {"sqlite_autoincrement": True},
    )

    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(_bytewise(36), unique=True)
    name: Mapped[str] = mapped_column(_bytewise(100))
    # normalize(title): the "title" sort key.
    title_key: Mapped[str] = mapped_column(_bytewise())
    # Title without spaces and punctuation: what an exact-title query is compared with.
    title_exact: Mapped[str] = mapped_column(Text, index=True)
    state: Mapped[str] = mapped_column(String(20))
    private: Mapped[bool]
    owner_org: Mapped[str] = mapped_column(String(36))
    # Single-valued facets.
    organization: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str | None] = mapped_column(String(10))
    license_id: Mapped[str | None] = mapped_column(String(100))
    standard_kind: Mapped[str | None] = mapped_column(String(40))
    metadata_modified: Mapped[datetime]
    metadata_created: Mapped[datetime]
    # Multi-valued facets (category, measure, tags, res_format): field code + value, joined
    # by U+001F (app.search.documents.packed_facets).
    facets: Mapped[str] = mapped_column(Text, default="")
    # search_state.generation of the write that last touched this row.
    generation: Mapped[int] = mapped_column(BigInteger, server_default="0", index=True)


class SearchSource(Base):
    """The zlib-compressed index tokens of a document: title, body and keys, NUL-joined.

    SQLite needs them to delete a contentless FTS5 row (only exactly the indexed text
    deletes it); the in-memory index loads them on both databases. Kept apart from
    search_doc so that table stays narrow for the row lookups of a search.
    """

    __tablename__ = "search_source"

    doc_id: Mapped[int] = mapped_column(
        ForeignKey("search_doc.doc_id", ondelete="CASCADE"), primary_key=True
    )
    tokens: Mapped[bytes] = mapped_column(LargeBinary)


class SearchState(Base):
    """One row: the index generation and its epoch (a new epoch = rebuilt from scratch)."""

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[int] = mapped_column(BigInteger)
    generation: Mapped[int] = mapped_column(BigInteger)


class SearchGone(Base):
    """A document removed from the index, by the generation that removed it."""

    __tablename__ = "search_gone"

    generation: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
