"""Keep the English catalogue of one domain up to date (German msgids, English msgstrs).

    python scripts/translate.py [DOMAIN] [FILE.yaml]

DOMAIN is `messages` (core: werkstatt/*.py, templates/*.html, templates/pages, templates/errors) or a domain
folder name (`network`, `catalogue`, `workshops`, …: werkstatt/DOMAIN/ and templates/DOMAIN/). Strings are
extracted into werkstatt/locale/en/LC_MESSAGES/DOMAIN.po; FILE.yaml maps German msgids to English texts, and
a plural (`ngettext("Punkt", "Punkte", n)`) as `"Punkt|Punkte": ["dot", "dots"]`.
Prints what is still untranslated.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "werkstatt/locale/en/LC_MESSAGES"
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n"}}


def sources(domain: str) -> list[tuple[Path, list[str] | None]]:
    """Folders to scan, with an optional list of top-level entries to keep (core skips domain folders)."""
    if domain == "messages":
        return [(ROOT / "werkstatt", ["*.py"]), (ROOT / "templates", ["*.html", "pages", "errors"])]
    return [(ROOT / "werkstatt" / domain, None), (ROOT / "templates" / domain, None)]


Msgid = str | tuple[str, str]  # a plural: (singular, plural)


def extract(domain: str) -> set[Msgid]:
    found: set[Msgid] = set()
    for folder, keep in sources(domain):
        if not folder.exists():
            continue
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(folder), METHODS, options_map=OPTIONS
        ):
            top = filename.split("/", 1)[0]
            if keep is not None and not any(Path(top).match(pattern) for pattern in keep):
                continue
            if keep is not None and "/" in filename and top not in keep:
                continue
            msgid: Msgid = message if isinstance(message, str) else message[0]
            if not isinstance(message, str) and len(message) > 1 and message[1]:
                msgid = (message[0], message[1])
            if msgid:
                found.add(msgid)
    return found


def main() -> int:
    domain = sys.argv[1] if len(sys.argv) > 1 else "messages"
    table = yaml.safe_load(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else {}
    po = LOCALE / f"{domain}.po"
    old: dict[Msgid, str | tuple[str, ...]] = {}
    if po.exists():
        with po.open("rb") as handle:
            old = {m.id: m.string for m in read_po(handle, locale="en") if m.id}
    catalog = Catalog(locale="en")
    for msgid in sorted(extract(domain), key=str):
        if isinstance(msgid, tuple):
            given = table.get("|".join(msgid))
            catalog.add(msgid, tuple(given) if given else old.get(msgid) or ("", ""))
        else:
            catalog.add(msgid, table.get(msgid) or old.get(msgid) or "")
    LOCALE.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", delete=False, dir=LOCALE) as handle:
        write_po(handle, catalog, omit_header=True, no_location=True, sort_output=True, width=0)
    Path(handle.name).replace(po)
    missing = [str(m.id) for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{domain}.po: {len(catalog)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
