#!/usr/bin/env bash
# The English catalogues with pybabel (German msgids, English msgstrs): one catalogue for the core
# (`messages`: werkstatt/*.py, templates/*.html, templates/pages, templates/errors) and one per domain folder
# (werkstatt/DOMAIN and templates/DOMAIN), so that domains translate their own strings without touching each
# other's files. Marked are `_("…")`, `N_("…")`, `_n("…", "…", n)` and `{{ _("…") }}` in templates.
#
#   scripts/messages.sh               extract, update werkstatt/locale/en/LC_MESSAGES/*.po, compile --statistics
#                                     (`make messages`; then fill in the empty msgstrs and run it again)
#   scripts/messages.sh extract DIR   only extract, into DIR/CATALOGUE.pot (tests/foundation/test_i18n.py)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
CATALOGUES="messages network catalogue workshops board voting results export live"
LOCALE_DIR=werkstatt/locale

sources() {
    if [ "$1" = messages ]; then
        echo werkstatt/*.py templates/*.html templates/pages templates/errors
    else
        for path in "werkstatt/$1" "templates/$1"; do
            if [ -e "$path" ]; then echo "$path"; fi
        done
    fi
}

extract() {  # CATALOGUE DIR
    # shellcheck disable=SC2046 # the sources are words on purpose
    "$PYBABEL" -q extract -F babel.cfg -k _n:1,2 --no-location --omit-header --sort-output --no-wrap \
        -o "$2/$1.pot" $(sources "$1")
}

if [ "${1:-}" = extract ]; then
    for catalogue in $CATALOGUES; do extract "$catalogue" "$2"; done
    exit 0
fi

templates=$(mktemp -d)
trap 'rm -rf "$templates"' EXIT
for catalogue in $CATALOGUES; do
    extract "$catalogue" "$templates"
    "$PYBABEL" -q update -i "$templates/$catalogue.pot" -d "$LOCALE_DIR" -D "$catalogue" -l en \
        --init-missing --omit-header --no-fuzzy-matching --ignore-obsolete --no-wrap
    "$PYBABEL" compile -i "$LOCALE_DIR/en/LC_MESSAGES/$catalogue.po" -o /dev/null -l en --use-fuzzy --statistics
done
