"""German first, English second: message catalogues are compiled from the .po files at start-up.

Source strings (msgids) are German; `locale/en/LC_MESSAGES/*.po` hold the English texts (`make messages`
extracts and updates them with pybabel). Compiling in memory keeps binary .mo files out of the repository and
out of the build.

Messages that travel (exceptions, field errors, websocket frames) are marked with `_("…")` where they are
written and translated where they meet their reader (`translate(locale, message)`: error pages, fragments,
problem details, websocket frames; templates translate a `Message` they print on their own). A `Message` is a
`str` that reads as German, so logs and code that compares texts keep working.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

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


class Message(str):
    """A German message marked for translation, with its parameters: `_("Höchstens %(n)d Karten.") % {"n": 3}`.

    As a `str` it is the German text; `in_(locale)` translates the msgid first and fills in the parameters
    afterwards (parameters that are messages themselves are translated too)."""

    msgid: str
    params: dict[str, Any]
    plural: tuple[str, int] | None  # the plural msgid and the count that picks the form

    def __new__(
        cls, msgid: str, params: dict[str, Any] | None = None, plural: tuple[str, int] | None = None
    ) -> Message:
        german = plural[0] if plural and plural[1] != 1 else msgid
        made = super().__new__(cls, german % params if params else german)
        made.msgid = msgid
        made.params = dict(params or {})
        made.plural = plural
        return made

    def __mod__(self, value: Any) -> Message:
        if not isinstance(value, dict):
            raise TypeError("messages take named parameters: _('… %(name)s …') % {'name': value}")
        return Message(self.msgid, value, self.plural)

    def __getnewargs__(self) -> tuple[str, dict[str, Any], tuple[str, int] | None]:  # type: ignore[override]
        return (self.msgid, self.params, self.plural)

    def in_(self, locale: str) -> str:
        catalogue = translations(locale)
        text = catalogue.ngettext(self.msgid, *self.plural) if self.plural else catalogue.gettext(self.msgid)
        if not self.params:
            return text
        params = {key: translate(locale, value) for key, value in self.params.items()}
        try:
            return text % params
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: German beats a 500
            return str(self)


def _(message: str) -> Message:
    """Marks a German message for translation (pybabel extracts `_("…")`); translated at the edge."""
    return Message(message)


def _n(singular: str, plural: str, count: int) -> Message:
    """A counted message (`_n("%(n)d Punkt", "%(n)d Punkte", n) % {"n": n}`); pybabel extracts `_n:1,2`."""
    return Message(singular, None, (plural, count))


def translate(locale: str, text: Any) -> Any:
    """A `Message` in the reader's language; anything else as it is."""
    return text.in_(locale) if isinstance(text, Message) else text


def gettext(locale: str, message: str) -> str:
    if isinstance(message, Message):
        return message.in_(locale)
    return translations(locale).gettext(message)


def pick_locale(chosen: str | None, default: str) -> str:
    return chosen if chosen in LOCALES else default
