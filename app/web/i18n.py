"""The reader's language: Japanese by default, English on request.

The `lang` query parameter wins and is remembered in the `lang` cookie (one year); then the
cookie; then Japanese. UI strings are written in Japanese in the templates and code (they are
the gettext msgids), and `locale/en/LC_MESSAGES/messages.mo` translates them (Babel builds it
from the committed `.po`: `pybabel compile -d app/web/locale -D messages`).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from fastapi import Request

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
LOCALE_DIR = Path(__file__).parent / "locale"


def requested_lang(request: Request) -> str | None:
    """A valid `lang` query parameter, if the request names one."""
    value = request.query_params.get("lang")
    return value if value in LANGS else None


def choose_lang(request: Request) -> str:
    """The language to render `request` in (parameter, then cookie, then Japanese)."""
    chosen = requested_lang(request)
    if chosen is not None:
        return chosen
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LANGS else DEFAULT_LANG


@lru_cache(maxsize=len(LANGS))
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (Japanese is the source: no catalogue needed)."""
    if lang == DEFAULT_LANG:
        return gettext.NullTranslations()
    return gettext.translation("messages", localedir=LOCALE_DIR, languages=[lang])
