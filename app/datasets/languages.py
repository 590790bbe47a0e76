"""A dataset shown in the reader's language (API `lang` parameter, web language switch).

Harvested datasets keep their title and description in every language the source gave (extras
`title@<tag>`, `notes@<tag>`; resources `name@<tag>`, `description@<tag>`; see
app.dcat.multilingual). `in_language` swaps in the text matching `lang` by RFC 4647 basic
filtering (`en` matches `en-GB`); fields without such a text stay as stored.
"""

from __future__ import annotations

from app.datasets.schemas import DatasetOut, ResourceOut
from app.dcat import langtags

LANG_PATTERN = r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"


def _resource(res: ResourceOut, own: str, lang: str) -> ResourceOut:
    extras = res.extras
    return res.model_copy(
        update={
            field: langtags.localized(
                getattr(res, field), extras.get(f"{field}_lang", own), extras, field, lang
            )
            for field in ("name", "description")
        }
    )


def in_language(ds: DatasetOut, lang: str | None) -> DatasetOut:
    """`ds` with title, notes and resource texts in `lang` (a BCP 47 tag) where kept."""
    if not lang:
        return ds
    own = ds.language or "ja"
    update: dict[str, object] = {
        field: langtags.localized(
            getattr(ds, field), ds.extras.get(f"{field}_lang", own), ds.extras, field, lang
        )
        for field in ("title", "notes")
    }
    update["resources"] = [_resource(r, own, lang) for r in ds.resources]
    return ds.model_copy(update=update)
