"""The read model's rules: what a write stores, what a read may return.

Writes (called in the writer's transaction, where the search index is kept): `store` after
every dataset write (app.datasets.history.record), `remove` on purge, `rerender` for datasets
whose organisation, category or measure was renamed (the seed loader), `rebuild` for all.

Reads take the stored bytes by id or name in one query and decide visibility per request on the
stored owner/private/state columns with `can_read_dataset`, the rule the fresh path uses. They
return None when there is no row (a database written before the read model, or a context that
differs): the caller then renders afresh, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from app.accounts.actor import Actor
from app.accounts.visibility import can_read_dataset
from app.config import Settings, get_settings
from app.datasets import repository as dataset_repo
from app.datasets.convert import dataset_out
from app.datasets.schemas import DatasetOut
from app.db import session_scope
from app.dcat.context import Context
from app.errors import NotFound
from app.models import Dataset
from app.models.serving import CONTEXT_GENERATION_SQL
from app.readmodel import context, render
from app.readmodel import repository as repo

_CONTEXT_KEY = "readmodel.context"
_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """The settings writers render DCAT with (the app's, set by create_app; else the
    environment's). A reader with another base URI is served fresh documents, never these."""
    global _settings
    _settings = settings


def _context(session: Session, settings: Settings | None = None) -> tuple[Context, str]:
    cached: tuple[Context, str] | None = session.info.get(_CONTEXT_KEY)
    if cached is None:
        # Imported here: the export service imports the dataset service, which writes here.
        from app.dcat_export.service import build_context

        ctx = build_context(session, settings or _settings or get_settings())
        cached = session.info[_CONTEXT_KEY] = (ctx, render.context_digest(ctx))
    return cached


def forget_context(session: Session) -> None:
    """Drop the session's cached DCAT context (after licences or the catalogue changed)."""
    session.info.pop(_CONTEXT_KEY, None)


def _naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when


# --------------------------------------------------------------------------- writes


def _row(session: Session, ds: DatasetOut) -> dict[str, Any]:
    """The stored columns of `ds` (every rendering) but its id."""
    ctx, digest = _context(session)
    turtle, dump_forms = render.dcat_forms(ds, ctx)
    return {
        "name": ds.name,
        "owner_org": ds.organization.id,
        "private": ds.private,
        "state": ds.state,
        "revision": ds.revision,
        "metadata_modified": _naive_utc(ds.metadata_modified),
        "package_json": render.ckan_package(ds),
        "v1_json": render.v1_record(ds),
        "dcat_turtle": turtle,
        "dcat_context": digest,
        **dump_forms,
    }


def store(session: Session, ds: DatasetOut) -> None:
    """Render `ds` in every stored format and keep it (deleted datasets too: editors read them)."""
    repo.upsert(session, ds.id, _row(session, ds))


def _current(session: Session, dataset_id: str) -> Dataset | None:
    """The dataset as the database now holds it: the writer's flushed ORM object when the
    session has it with its collections loaded (no reload), else loaded again."""
    session.flush()
    held = session.identity_map.get(identity_key(Dataset, (dataset_id,)))
    if held is not None and _loaded(held):
        return held
    return dataset_repo.get(session, dataset_id)


def store_current(session: Session, dataset_id: str) -> None:
    """Store the dataset as the database now holds it (`_current`, rendered `as_read`)."""
    ds = _current(session, dataset_id)
    if ds is None:
        remove(session, dataset_id)
        return
    store(session, as_read(ds))


def rendering_current(session: Session, dataset_id: str) -> dict[str, Any] | None:
    """What `store_current` would store now, without writing it (None: no such dataset);
    for writers that store many at once (`store_rows`)."""
    ds = _current(session, dataset_id)
    return None if ds is None else _row(session, as_read(ds))


def store_rows(session: Session, rows: dict[str, dict[str, Any]]) -> None:
    """Keep these renderings (dataset id -> `rendering_current` values): one bulk insert for
    the new ones and one bulk update for the others."""
    if rows:
        repo.upsert_many(session, rows)


_COLLECTIONS = ("organization", "license", "tags", "categories", "measures", "resources")


def _loaded(ds: Dataset) -> bool:
    unloaded = inspect(ds).unloaded
    return not unloaded.intersection(_COLLECTIONS) and "extras" not in unloaded


def as_read(ds: Dataset) -> DatasetOut:
    """The record a fresh read of the flushed `ds` gives: its collections in the relationships'
    order_by (tags by name, categories by position, measures by id, resources by position),
    whatever order the writer built them in."""
    out = dataset_out(ds)
    categories = {c.name: c.position for c in ds.categories}
    resources = {r.id: r.position for r in ds.resources}
    return out.model_copy(
        update={
            "tags": sorted(out.tags),
            "categories": sorted(out.categories, key=lambda c: categories[c.name]),
            "measures": sorted(out.measures, key=lambda m: m.name),
            "resources": sorted(out.resources, key=lambda r: resources[r.id]),
        }
    )


def remove(session: Session, dataset_id: str) -> None:
    repo.delete_one(session, dataset_id)


def datasets_showing(session: Session, renamed: dict[str, set[str]]) -> list[str]:
    """The datasets (any state) whose renderings show these renamed rows (see repository)."""
    return repo.datasets_showing(session, renamed)


def rerender(
    session: Session, ids: Sequence[str], settings: Settings | None = None, batch: int = 500
) -> int:
    """Render these datasets again from the database (after a rename of what they show);
    `settings` gives the base URI (default: the configured one)."""
    forget_context(session)
    _context(session, settings)
    ids = list(ids)
    for start in range(0, len(ids), batch):
        rows = session.scalars(
            select(Dataset)
            .options(*dataset_repo.FULL_LOAD)
            .where(Dataset.id.in_(ids[start : start + batch]))
        ).unique()
        for ds in rows:
            store(session, dataset_out(ds))
        session.flush()
    return len(ids)


def rebuild(session: Session, settings: Settings | None = None, batch: int = 500) -> int:
    """Render every dataset afresh (deleted ones included), in the caller's one transaction;
    returns how many. For a large catalogue use `rebuild_in_batches`."""
    repo.delete_all(session)
    done = 0
    last_id = ""
    while True:
        ids = _ids_after(session, last_id, batch)
        if not ids:
            return done
        rerender(session, ids, settings, batch)
        session.expunge_all()
        done += len(ids)
        last_id = ids[-1]


def _ids_after(session: Session, after: str, limit: int) -> list[str]:
    return list(
        session.scalars(
            select(Dataset.id).where(Dataset.id > after).order_by(Dataset.id).limit(limit)
        )
    )


def rebuild_in_batches(
    sessions: sessionmaker[Session],
    settings: Settings | None = None,
    batch: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render every dataset afresh (deleted ones included), `batch` datasets per transaction in
    id order, then drop rows of datasets that no longer exist; returns how many were rendered.
    `progress` is called with (rendered so far, datasets in all) after each committed batch.

    Readers stay correct throughout: until its batch commits, a dataset keeps its old row
    (whose context digest decides whether it is served) or has none (the fresh path serves
    it); a write in between renders its own row in its own transaction, and a later batch
    reads the committed data."""
    with session_scope(sessions) as session:
        total = repo.dataset_count(session)
    done = 0
    last_id = ""
    while True:
        with session_scope(sessions) as session:
            ids = _ids_after(session, last_id, batch)
            if ids:
                rerender(session, ids, settings, batch)
        if not ids:
            break
        done += len(ids)
        last_id = ids[-1]
        if progress is not None:
            progress(done, max(total, done))
    with session_scope(sessions) as session:
        repo.delete_orphans(session)
    return done


# --------------------------------------------------------------------------- reads


# One statement per surface, built at import (repo.by_ref_statement says why).
_PACKAGE = repo.by_ref_statement("package_json")
_V1 = repo.by_ref_statement("revision", "metadata_modified", "v1_json")
_TURTLE = repo.by_ref_statement(
    "revision",
    "metadata_modified",
    "dcat_turtle",
    "dcat_context",
    context_generation=CONTEXT_GENERATION_SQL,
)


class ContextNotCached(Exception):
    """`dcat_turtle` on a Core connection found no cached DCAT context: building one needs an
    ORM session, so call it again with one."""


def _visible(session: Session | Connection, actor: Actor, ref: str, read: repo.RefRead) -> Any:
    row = repo.by_ref(session, ref, read)
    if row is not None and not can_read_dataset(actor, row.owner_org, row.private, row.state):
        # As the fresh path: private datasets are indistinguishable from missing ones.
        raise NotFound(f"Dataset {ref!r} not found")
    return row


def package_json(session: Session | Connection, actor: Actor, ref: str) -> bytes | None:
    """The stored CKAN package dict of a dataset the actor may read; NotFound if they may not."""
    row = _visible(session, actor, ref, _PACKAGE)
    return None if row is None else bytes(row.package_json)


@dataclass(frozen=True)
class Stored:
    dataset_id: str
    revision: int
    metadata_modified: datetime
    body: bytes


def v1_record(session: Session | Connection, actor: Actor, ref: str) -> Stored | None:
    """The stored native record (with what its ETag and Last-Modified are made of)."""
    row = _visible(session, actor, ref, _V1)
    if row is None:
        return None
    return Stored(row.dataset_id, row.revision, row.metadata_modified, bytes(row.v1_json))


def dcat_turtle(
    session: Session | Connection, actor: Actor, ref: str, settings: Settings
) -> Stored | None:
    """The stored Turtle document, if it was rendered with the context readers with `settings`
    have now (cached per generation, app.readmodel.context); deleted datasets are gone from
    Linked Data for everyone (NotFound), as on the fresh path. On a Core connection, raises
    ContextNotCached when that context is not cached yet."""
    row = _visible(session, actor, ref, _TURTLE)
    if row is None:
        return None
    if row.state == "deleted":
        raise NotFound(f"Dataset {ref!r} not found")
    if isinstance(session, Session):
        _ctx, digest = context.reader_context(session, settings, row.context_generation)
    else:
        hit = context.cached(settings, row.context_generation)
        if hit is None:
            raise ContextNotCached
        _ctx, digest = hit
    if row.dcat_context != digest:
        return None
    return Stored(row.dataset_id, row.revision, row.metadata_modified, bytes(row.dcat_turtle))


def package_jsons(
    session: Session, actor: Actor, ids: Sequence[str]
) -> list[tuple[str, bytes | None]]:
    """A search page's stored package dicts in `ids` order: (id, bytes) for a stored dataset the
    actor may read, (id, None) for one without a row (render it afresh); unreadable ones are
    left out."""
    return _page(session, actor, ids, "package_json")


def v1_records(
    session: Session, actor: Actor, ids: Sequence[str]
) -> list[tuple[str, bytes | None]]:
    """A search page's stored native records, as `package_jsons` (the items of /api/v1/search)."""
    return _page(session, actor, ids, "v1_json")


def _page(
    session: Session, actor: Actor, ids: Sequence[str], form: str
) -> list[tuple[str, bytes | None]]:
    rows = repo.by_ids(session, ids, form)
    out: list[tuple[str, bytes | None]] = []
    for dataset_id in ids:
        row = rows.get(dataset_id)
        if row is None:
            out.append((dataset_id, None))
        elif can_read_dataset(actor, row.owner_org, row.private, row.state):
            out.append((dataset_id, row.body))
    return out
