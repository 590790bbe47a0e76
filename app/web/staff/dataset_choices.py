"""The lists the dataset form offers: organisations the clerk may edit, licences (named in
Japanese, or English for the English UI), standard-dataset kinds, frequencies, the 17
categories, the 180 measures and the 1,788 local-government codes.

Reference data changes only when the seed is reloaded, so the lists (and the two big
`<datalist>`s, pre-rendered as markup) are kept per process and database
by `app.web.reference.cached`, as for the public pages; the organisations a clerk may edit are
filtered per request from the cached list by the actor's roles (roles change).
"""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.catalog import service as catalog_service
from app.datasets.vocab import FREQUENCIES, STANDARD_KINDS
from app.measures import service as measure_service
from app.models import Organization
from app.web.reference import cached

# Above this many organisations the form offers a text box with a <datalist>, not a select.
SELECT_MAX = 50
Option = tuple[str, str]
KIND_ORDER = {"ministry": 0, "prefecture": 1, "municipality": 2, "other": 3}


def _org_label(org: Organization, lang: str) -> str:
    title = org.title_en if lang == "en" and org.title_en else org.title
    return f"{title} ({org.name})" if org.kind != "ministry" else title


def _all_orgs(session: Session, lang: str) -> list[tuple[str, str, str]]:
    """(id, name, label) of every active organisation, ministries first, then by code."""

    def load() -> list[tuple[str, str, str]]:
        orgs = session.scalars(select(Organization).where(Organization.state == "active")).all()
        ordered = sorted(orgs, key=lambda o: (KIND_ORDER.get(o.kind, 9), o.code or "", o.name))
        return [(o.id, o.name, _org_label(o, lang)) for o in ordered]

    return cached(session, f"form:orgs-{lang}", load)


def editable_orgs(session: Session, actor: Actor, lang: str) -> list[Option]:
    """(name, label) of the organisations `actor` may create datasets in (editor or above;
    every organisation for a sysadmin), in the order ministries, prefectures, municipalities.
    The service decides again on save (`app.datasets.service`); this only builds the list."""
    return [
        (name, label)
        for org_id, name, label in _all_orgs(session, lang)
        if actor.has_role(org_id, "editor")
    ]


def org_datalist(session: Session, lang: str) -> Markup:
    """`<datalist id="org-list">` of every organisation (value = name, label = title), for a
    sysadmin's form: a select of 1,806 options costs more to render than the rest of the page."""
    return cached(
        session,
        f"form:org-datalist-{lang}",
        lambda: _datalist(
            "org-list", [(name, label) for _id, name, label in _all_orgs(session, lang)]
        ),
    )


def licenses(session: Session, lang: str) -> list[Option]:
    rows = cached(session, "form:licenses", lambda: catalog_service.list_licenses(session))
    return [(lic.id, lic.title_en if lang == "en" and lic.title_en else lic.title) for lic in rows]


def categories(session: Session, lang: str) -> list[Option]:
    rows = cached(session, "form:categories", lambda: catalog_service.list_categories(session))
    return [(c.name, c.title_en if lang == "en" and c.title_en else c.title) for c in rows]


def standard_kinds() -> list[Option]:
    return [(k.id, f"{k.number} {k.title}") for k in STANDARD_KINDS]


def frequencies(lang: str) -> list[Option]:
    return [(code, code if lang == "en" else label) for code, label in FREQUENCIES.items()]


def measure_titles(session: Session) -> dict[str, str]:
    def load() -> dict[str, str]:
        return {m.id: m.title for m in measure_service.list_measures(session).items}

    return cached(session, "form:measures", load)


def _datalist(list_id: str, options: list[Option]) -> Markup:
    items = "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in options
    )
    return Markup(f'<datalist id="{list_id}">{items}</datalist>')


def measure_datalist(session: Session) -> Markup:
    """`<datalist id="measure-list">`: value = measure id, label = its title (browsers match
    what is typed against both, so 'AED' finds 02-22)."""
    return cached(
        session,
        "form:measure-datalist",
        lambda: _datalist("measure-list", list(measure_titles(session).items())),
    )


def lg_datalist(session: Session) -> Markup:
    """`<datalist id="lg-list">` of every local government: value = 全国地方公共団体コード,
    label = its name (北海道札幌市)."""

    def load() -> Markup:
        stmt = (
            select(Organization)
            .where(Organization.code.is_not(None))
            .where(Organization.kind.in_(("prefecture", "municipality")))
            .order_by(Organization.code)
        )
        options = [(o.code or "", o.title) for o in session.scalars(stmt)]
        return _datalist("lg-list", options)

    return cached(session, "form:lg-datalist", load)
