"""ORM dataset -> DatasetOut (relationships must have been loaded with FULL_LOAD)."""

from __future__ import annotations

from app.datasets.schemas import (
    DatasetOut,
    LicenseRef,
    NamedRef,
    OrganizationRef,
    ResourceOut,
)
from app.models import Dataset, Resource


def resource_out(res: Resource) -> ResourceOut:
    return ResourceOut(
        id=res.id,
        dataset_id=res.dataset_id,
        position=res.position,
        url=res.url,
        download_url=res.download_url,
        name=res.name,
        description=res.description,
        format=res.format,
        mimetype=res.mimetype,
        size=res.size,
        hash=res.hash,
        license_id=res.license_id,
        language=res.language,
        extras=dict(res.extras or {}),
        created=res.created,
        last_modified=res.last_modified,
        metadata_modified=res.metadata_modified,
    )


def dataset_out(ds: Dataset) -> DatasetOut:
    org = ds.organization
    lic = ds.license
    return DatasetOut(
        id=ds.id,
        name=ds.name,
        title=ds.title,
        notes=ds.notes,
        type=ds.type,
        state=ds.state,
        private=ds.private,
        url=ds.url,
        version=ds.version,
        author=ds.author,
        author_email=ds.author_email,
        maintainer=ds.maintainer,
        maintainer_email=ds.maintainer_email,
        organization=OrganizationRef(
            id=org.id,
            name=org.name,
            title=org.title,
            kind=org.kind,
            code=org.code,
            prefecture=org.prefecture,
        ),
        license=LicenseRef(
            id=lic.id, title=lic.title, url=lic.url, uri=lic.uri, is_open=lic.is_open
        )
        if lic is not None
        else None,
        tags=[t.name for t in ds.tags],
        categories=[NamedRef(name=c.name, title=c.title) for c in ds.categories],
        measures=[NamedRef(name=m.id, title=m.title) for m in ds.measures],
        publisher_name=ds.publisher_name,
        contact_name=ds.contact_name,
        contact_email=ds.contact_email,
        contact_url=ds.contact_url,
        frequency=ds.frequency,
        language=ds.language,
        spatial=ds.spatial,
        spatial_code=ds.spatial_code,
        temporal_start=ds.temporal_start,
        temporal_end=ds.temporal_end,
        issued=ds.issued,
        modified=ds.modified,
        conforms_to=ds.conforms_to,
        standard_kind=ds.standard_kind,
        extras=dict(ds.extras or {}),
        origin=ds.origin,
        harvest_source_id=ds.harvest_source_id,
        remote_id=ds.remote_id,
        remote_uri=ds.remote_uri,
        remote_modified=ds.remote_modified,
        content_hash=ds.content_hash,
        local_fields=list(ds.local_fields or []),
        creator_user_id=ds.creator_user_id,
        metadata_created=ds.metadata_created,
        metadata_modified=ds.metadata_modified,
        revision=ds.revision,
        resources=[resource_out(r) for r in ds.resources],
    )
