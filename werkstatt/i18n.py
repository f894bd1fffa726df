"""German first, English second: message catalogues are compiled from the .po files at start-up.

Source strings (msgids) are German; `locale/en/LC_MESSAGES/*.po` hold the English texts.
Compiling in memory keeps binary .mo files out of the repository and out of the build.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("de", "en")
LOCALE_NAMES = {"de": "Deutsch", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def translations(locale: str) -> NullTranslations:
    """All catalogues of a locale merged: `messages.po` (core) plus one per domain (`network.po`, …),
    so that domains translate their own strings without touching each other's files."""
    merged: NullTranslations | None = None
    for po in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        loaded = Translations(buffer)
        if merged is None:
            merged = loaded
        else:
            assert isinstance(merged, Translations)
            merged.merge(loaded)
    return merged or NullTranslations()


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def pick_locale(chosen: str | None, default: str) -> str:
    return chosen if chosen in LOCALES else default
