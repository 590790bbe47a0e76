"""e-Gov データポータル package fields <-> our typed dataset fields, both ways.

e-Gov's package_show carries DCAT-flavoured top-level keys next to CKAN's (data.e-gov.go.jp,
CKAN 2.9): `publisher`, `contactPoint`, `landingPage`, `frequency_of_update`, `spatial`,
`temporal`, `distribution`. DATA.GO.JP records saved before the move carry the same names as
extras, with `creator` and `release_date` (the e-Stat catalogue vocabulary: PUBLISHER,
CONTACT_POINT, CREATOR, RELEASE_DATE, FREQUENCY_OF_UPDATE, LANDING_PAGE). Field names from
/work/shared/data/datagojp-facts.md §3c (MindCloud's schema of data.e-gov.go.jp package_show,
medium confidence; `creator` and `release_date` unconfirmed on e-Gov itself).

Inbound (`egov_values`): a value fills our field only when the record does not also carry our
own name for it (a dict from our package_show has both: ours wins, the e-Gov copy is derived).
Outbound (`egov_fields`): the same names computed from our fields, for e-Gov API clients.
"""

from __future__ import annotations

from typing import Any

from app.common.validate import EMAIL_RE, is_http_url
from app.datasets.schemas import DatasetOut
from app.datasets.vocab import FREQUENCIES, normalise_frequency

# e-Gov name -> our field (contactPoint is split by the shape of its value).
INBOUND: dict[str, str] = {
    "publisher": "publisher_name",
    "creator": "author",
    "frequency_of_update": "frequency",
    "release_date": "issued",
    "landingPage": "url",
    "spatial": "spatial",
}
EGOV_NAMES = (*INBOUND, "contactPoint", "temporal")


def contact_field(value: str) -> str:
    """contactPoint is free text: an address goes to contact_email, a URL to contact_url."""
    text = value.strip()
    if EMAIL_RE.match(text.removeprefix("mailto:")):
        return "contact_email"
    if is_http_url(text):
        return "contact_url"
    return "contact_name"


def _same(field: str, theirs: str, ours: Any) -> bool:
    """Whether an e-Gov value is only the copy of our field that egov_fields writes."""
    mine = "" if ours is None else str(ours)
    if field == "frequency":
        return normalise_frequency(theirs) == normalise_frequency(mine) or theirs == mine
    if field == "issued":
        return mine[:10] == theirs[:10]
    return theirs.strip() == mine.strip()


def egov_values(source: dict[str, Any], ours: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """(our field -> value, e-Gov keys consumed) for e-Gov keys in `source` (top level or
    extras). `ours`: our fields the record already carries (non-empty); those are kept, and
    an e-Gov key equal to one of them (our own package_show's copy) is consumed silently.
    A differing e-Gov value is not consumed: the caller keeps it as an extra.
    """
    out: dict[str, Any] = {}
    used: set[str] = set()
    pairs = [(egov, field) for egov, field in INBOUND.items()]
    contact = source.get("contactPoint")
    if isinstance(contact, str) and contact.strip():
        pairs.append(("contactPoint", contact_field(contact)))
    for egov, field in pairs:
        value = source.get(egov)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip().removeprefix("mailto:") if egov == "contactPoint" else value
        if field in ours:
            if _same(field, value, ours[field]):
                used.add(egov)
        elif field not in out:
            out[field] = value
            used.add(egov)
    temporal = source.get("temporal")
    if isinstance(temporal, str) and "/" in temporal:
        start, _, end = (part.strip() for part in temporal.partition("/"))
        if not {"temporal_start", "temporal_end"} & set(ours):
            out["temporal_start"], out["temporal_end"] = start or None, end or None
            used.add("temporal")
        elif (start, end) == (
            str(ours.get("temporal_start") or ""),
            str(ours.get("temporal_end") or ""),
        ):
            used.add("temporal")
    return out, used


def egov_fields(ds: DatasetOut) -> dict[str, str]:
    """Our dataset under e-Gov's package keys (strings, "" when unset), for package_show."""
    temporal = ""
    if ds.temporal_start or ds.temporal_end:
        start = ds.temporal_start.isoformat() if ds.temporal_start else ""
        end = ds.temporal_end.isoformat() if ds.temporal_end else ""
        temporal = f"{start}/{end}"
    return {
        "publisher": ds.publisher_name,
        "contactPoint": ds.contact_name or ds.contact_email or ds.contact_url,
        "creator": ds.author,
        "frequency_of_update": FREQUENCIES.get(ds.frequency, ds.frequency),
        "release_date": ds.issued.date().isoformat() if ds.issued else "",
        "landingPage": ds.url,
        "spatial": ds.spatial,
        "temporal": temporal,
    }
