"""Organisations: ministries and local governments."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.models import Organization
from app.organizations import repository as repo
from app.organizations.codes import ESTAT_SAC
from app.organizations.schemas import OrganizationOut, OrganizationPage

KIND_FILTERS = ("ministry", "prefecture", "municipality")


def spatial_uri(org: Organization) -> str | None:
    """e-Stat standard area code URI of a local government (first five digits of its code)."""
    return f"{ESTAT_SAC}{org.code[:5]}" if org.code else None


def to_out(org: Organization, dataset_count: int | None = None) -> OrganizationOut:
    return OrganizationOut(
        id=org.id,
        name=org.name,
        title=org.title,
        title_en=org.title_en,
        description=org.description,
        kind=org.kind,
        code=org.code,
        prefecture=org.prefecture,
        prefecture_code=org.prefecture_code,
        kana=org.kana,
        homepage=org.homepage,
        spatial_uri=spatial_uri(org),
        dataset_count=dataset_count,
    )


def list_organizations(
    session: Session,
    *,
    kind: str | None = None,
    prefecture: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 100,
    count: bool = True,
) -> OrganizationPage:
    """A page of organisations; with `count`, each with its public dataset count (a count
    over their datasets; the web pages take theirs from the search facets instead)."""
    if kind is not None and kind not in KIND_FILTERS:
        raise Invalid("Unknown kind", {"kind": [f"Must be one of {', '.join(KIND_FILTERS)}"]})
    stmt = repo.filtered(kind, prefecture, q)
    orgs = repo.page(session, stmt, offset, limit)
    counts = repo.public_dataset_counts(session, [o.id for o in orgs]) if count else {}
    return OrganizationPage(
        total=repo.count(session, stmt), items=[to_out(o, counts.get(o.id, 0)) for o in orgs]
    )


def get_organization(session: Session, ref: str, *, count: bool = True) -> OrganizationOut:
    """The organisation; with `count`, its public dataset count (else `dataset_count` None)."""
    org = repo.by_ref(session, ref)
    if org is None:
        raise NotFound(f"Organization {ref!r} not found")
    if not count:
        return to_out(org)
    return to_out(org, repo.public_dataset_counts(session, [org.id]).get(org.id, 0))


def kinds_by_name(session: Session, names: list[str] | None) -> dict[str, str]:
    """Organisation name -> kind (ministry, prefecture, municipality) for those names (all
    organisations when None)."""
    return repo.kinds_by_name(session, names)
