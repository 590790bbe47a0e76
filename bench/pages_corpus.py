"""Generated datasets for bench/pages.py and tools/screenshots.py, created through the
dataset service (the pages read the dataset tables, not only the search index).

Same vocabulary as bench/search_corpus.py (topics, tags, formats, categories, licences,
standard kinds); publishers are the seeded organisations, with a Zipf-like skew.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

from search_corpus import CATEGORIES, FORMATS, KINDS, LICENSES, SENTENCES, SUFFIXES, TAGS, TOPICS
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.actor import SYSTEM
from app.datasets import service as dataset_service
from app.datasets.ckan_input import from_ckan
from app.db import session_scope
from app.models import Measure, Organization


def package(
    i: int, rnd: random.Random, org: tuple[str, str], measures: list[str]
) -> dict[str, Any]:
    """One CKAN-style package dict (the shape `catalog import` takes)."""
    org_name, org_title = org
    topic = rnd.choice(TOPICS)
    suffix = rnd.choice(SUFFIXES)
    year = rnd.randint(2015, 2025)
    notes = ""
    while len(notes) < rnd.randint(100, 400):
        notes += rnd.choice(SENTENCES).format(
            org=org_title,
            topic=rnd.choice(TOPICS),
            topic2=rnd.choice(TOPICS),
            suffix=suffix,
            year=year,
            n=rnd.randint(1, 7),
            m=rnd.randint(1, 12),
        )
    formats = [rnd.choice(FORMATS) for _ in range(rnd.choice((1, 2, 2, 3)))]
    pkg: dict[str, Any] = {
        "name": f"ds-{i:07d}",
        "title": f"{org_title} {topic}{suffix}"
        if rnd.random() < 0.6
        else f"{topic}{suffix}（{year}年）",
        "owner_org": org_name,
        "notes": notes,
        "tags": [{"name": t} for t in rnd.sample(TAGS, rnd.randint(1, 4))],
        "groups": [{"name": c} for c in rnd.sample(CATEGORIES, rnd.choice((1, 1, 2)))],
        "license_id": rnd.choice(LICENSES),
        "private": rnd.random() < 0.03,
        "resources": [
            {
                "name": f"{topic}{rnd.choice(SUFFIXES)}",
                "format": fmt,
                "url": f"https://opendata.example.jp/{org_name}/{i}/{n}.{fmt.lower()}",
                "size": rnd.randint(1_000, 5_000_000),
            }
            for n, fmt in enumerate(formats)
        ],
    }
    if rnd.random() < 0.3:
        pkg["extras"] = [{"key": "standard_kind", "value": rnd.choice(KINDS)}]
    if measures and rnd.random() < 0.2:
        pkg["measures"] = [rnd.choice(measures)]
    return pkg


def load(
    sessions: sessionmaker[Session],
    n: int,
    *,
    seed: int = 1,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Create `n` datasets through the dataset service, `batch` per transaction."""
    rnd = random.Random(seed)
    with session_scope(sessions) as session:
        orgs = [(o.name, o.title) for o in session.scalars(select(Organization))]
        measures = list(session.scalars(select(Measure.id)))
    rnd.shuffle(orgs)
    weights = list(itertools.accumulate(1 / (k + 1) ** 0.9 for k in range(len(orgs))))
    done = 0
    while done < n:
        with session_scope(sessions) as session:
            for i in range(done, min(n, done + batch)):
                org = rnd.choices(orgs, cum_weights=weights)[0]
                pkg = package(i, rnd, org, measures)
                wanted_measures = pkg.pop("measures", None)
                data, wanted_id = from_ckan(pkg)
                if wanted_measures:
                    data = data.model_copy(update={"measures": wanted_measures})
                dataset_service.create_dataset(session, SYSTEM, data, dataset_id=wanted_id)
        done = min(n, done + batch)
        if progress is not None:
            progress(done)
