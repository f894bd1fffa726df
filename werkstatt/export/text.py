"""Small text rules every export shares: characters XML cannot hold, spreadsheet formula injection,
Markdown escaping, ASCII-safe file names, and the document labels in the request's language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from urllib.parse import quote

from werkstatt import i18n

# C0 controls other than tab/LF/CR, lone surrogates and U+FFFE/U+FFFF: Word, Excel and XML parsers refuse them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&!#])")
_MD_BULLET = re.compile(r"^([+\-=])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def clean(value: str | None) -> str:
    """Text as every format can hold it (the board refuses control characters already; older rows and
    other sources might not)."""
    return _NOT_XML.sub("", value or "")


def neutralise(value: str) -> str:
    """A spreadsheet cell that cannot run as a formula: a leading = + - @ tab or CR gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


def md(value: str | None) -> str:
    """User text as literal Markdown inline text: one line, every character with a Markdown meaning escaped
    (so `<script>` and `[x](http://…)` stay text even in a renderer that allows HTML)."""
    flat = " ".join(clean(value).split())
    escaped = _MD_INLINE.sub(r"\\\1", flat)
    return _MD_ORDERED.sub(r"\1\\\2", _MD_BULLET.sub(r"\\\1", escaped))


def slug(value: str, keep_unicode: bool = False, limit: int = 60) -> str:
    """`Bänke für den Markt!` → `baenke-fuer-den-markt` (or `bänke-für-den-markt` with keep_unicode)."""
    text = clean(value).lower() if keep_unicode else clean(value).translate(_TRANSLIT).lower()
    if not keep_unicode:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w]+" if keep_unicode else r"[^a-z0-9]+", "-", text).strip("-_")
    return text[:limit].rstrip("-_") or "werkstatt"


def filenames(town: str, day: date, title: str, ext: str) -> tuple[str, str]:
    """The ASCII file name and its UTF-8 twin for `filename*` (RFC 6266 / RFC 5987)."""
    ascii_name = f"werkstatt-{slug(town, limit=40)}-{day.isoformat()}-{slug(title)}.{ext}"
    utf8_name = f"werkstatt-{slug(town, True, 40)}-{day.isoformat()}-{slug(title, True)}.{ext}"
    return ascii_name, utf8_name


def content_disposition(ascii_name: str, utf8_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


def translator(locale: str) -> Callable[[str], str]:
    """`_ = translator(data.locale)`: German msgids, English from export.po (babel extracts `_("…")`)."""

    def translate(message: str) -> str:
        return i18n.gettext(locale, message)

    return translate


def number(value: float | None, locale: str, digits: int = 1) -> str:
    """1.5 → "1,5" in German, "1.5" in English; None → "–"."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if locale == "de" else text


def due(value: date | None, locale: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if locale == "de" else value.isoformat()
