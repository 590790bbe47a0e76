"""Import CKAN package dicts: create new datasets, replace existing ones (matched by id or name).

Imported records are remote records: their provider's dates are kept (`issued`/`modified`),
references go through the reference resolver, and a value we cannot place or that the dataset
service refuses is kept as a `remote_*` extra (URLs with blanks dropped) and named in the notes
the caller prints, instead of refusing the record (`app.datasets.placement`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.catalog import references
from app.datasets import repository as repo
from app.datasets import service
from app.datasets.assemble import vocabulary
from app.datasets.ckan_input import from_ckan
from app.datasets.placement import keep_refused, place_references
from app.datasets.schemas import DatasetCreate, DatasetOut, DatasetUpdate
from app.errors import Invalid
from app.models import Measure

MAX_REPAIRS = 3


def _owner(
    session: Session, pkg: dict[str, Any], data: DatasetCreate, fallback: str | None
) -> tuple[str | None, str]:
    given = pkg.get("organization")
    org: dict[str, Any] = given if isinstance(given, dict) else {}
    refs = [data.owner_org, org.get("name"), org.get("title"), org.get("id")]
    for ref in refs:
        if isinstance(ref, str) and ref and references.organization(session, ref) is not None:
            return ref, ""
    named = " / ".join(str(r) for r in refs if r)
    if fallback and named:
        return fallback, f"organisation {named!r} is not known here: placed under {fallback}"
    if fallback:  # e-Gov's package_show carries no organisation at all
        return fallback, f"the record names no organisation: placed under {fallback}"
    return data.owner_org, ""


def import_package(
    session: Session,
    actor: Actor,
    pkg: dict[str, Any],
    *,
    fallback_org: str | None = None,
    timezone: str = "UTC",
    resource_timezone: str | None = None,
) -> tuple[str, DatasetOut, list[str]]:
    """("created" | "updated", dataset, notes) for one package dict.

    fallback_org: the owner when the record's organisation is not known here (without it,
    an unknown organisation is refused: every dataset belongs to one).
    timezone / resource_timezone: the zones of naive times (see `from_ckan`).
    """
    read_notes: list[str] = []
    data, wanted_id = from_ckan(
        pkg,
        provider_dates=True,
        notes=read_notes,
        timezone=timezone,
        resource_timezone=resource_timezone,
    )
    known_measures = session.info.get("measure_ids")
    if not isinstance(known_measures, set):  # read once per session (a batch of imports)
        known_measures = set(session.scalars(select(Measure.id)))
        session.info["measure_ids"] = known_measures
    data, notes = place_references(vocabulary(session), data, measures=known_measures)
    notes = read_notes + notes
    owner, note = _owner(session, pkg, data, fallback_org)
    if note:
        notes.append(note)
    if note and data.owner_org:
        extras = {**(data.extras or {}), "remote_organization": str(data.owner_org)}
        data = data.model_copy(update={"extras": extras})
    data = data.model_copy(update={"owner_org": owner})
    existing = repo.get(session, wanted_id) if wanted_id else None
    if existing is None and data.name:
        existing = repo.get(session, data.name)
    for _attempt in range(MAX_REPAIRS):
        try:
            with session.begin_nested():
                if existing is None:
                    out = service.create_dataset(session, actor, data, dataset_id=wanted_id)
                    return "created", out, notes
                update = DatasetUpdate(**data.model_dump(exclude_unset=True))
                out = service.update_dataset(session, actor, existing.id, update, mode="replace")
                return "updated", out, notes
        except Invalid as exc:
            values = data.model_dump(exclude_unset=True)
            kept = keep_refused(values, exc.fields)
            if not kept:
                raise
            notes += kept
            data = DatasetCreate(**values)
    raise Invalid("still invalid after keeping the refused values aside")
