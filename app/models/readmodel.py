"""The read model (derived data, rebuilt by `catalog readmodel rebuild`): each dataset's public
renderings, computed once per revision in the writer's transaction (app.readmodel).

`owner_org`, `private` and `state` are copies of the dataset's columns so a read decides
visibility without loading the dataset; `dcat_context` is the digest of the DCAT context (base
URI, licences, root catalogue, agents) the Turtle was rendered with: a reader whose context
differs renders afresh instead of serving it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DatasetRendering(Base):
    __tablename__ = "dataset_rendering"

    dataset_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    owner_org: Mapped[str] = mapped_column(String(36))
    private: Mapped[bool]
    state: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int]
    metadata_modified: Mapped[datetime]
    # UTF-8 JSON: the CKAN package dict and the native v1 record.
    package_json: Mapped[bytes] = mapped_column(LargeBinary)
    v1_json: Mapped[bytes] = mapped_column(LargeBinary)
    # The dataset's DCAT-AP document in Turtle, and the context digest it was rendered with.
    dcat_turtle: Mapped[bytes] = mapped_column(LargeBinary)
    dcat_context: Mapped[str] = mapped_column(String(64))
    # The same triples as N-Triples in the full dump's gzip-ready form (app.readmodel.render
    # .DumpForm); NULL for rows stored before revision 0008_dumpnt, until their next write or
    # `catalog readmodel rebuild`.
    dcat_nt_dump: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The same triples for the Turtle and JSON-LD dumps, in the same layout (0011_dumpforms).
    dcat_ttl_dump: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    dcat_jsonld_dump: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
