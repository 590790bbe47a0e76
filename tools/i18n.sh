#!/usr/bin/env bash
# Re-extract the web UI strings, merge them into the English catalogue and compile it.
# Run after changing any _("…") or {% trans %} in app/web; then translate the new
# msgstr "" entries in app/web/locale/en/LC_MESSAGES/messages.po and run it again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pybabel extract -F babel.cfg -k _ -k gettext -o app/web/locale/messages.pot \
    --no-location --sort-output --omit-header .
# Not `pybabel update`: it would drop the translated messages raised as literals (app/bulk).
python tools/i18n_merge.py app/web/locale/messages.pot app/web/locale/en/LC_MESSAGES/messages.po
pybabel compile -d app/web/locale -D messages --statistics
