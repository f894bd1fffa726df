"""English second: every German string in code and templates has an English translation."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from werkstatt.app import DOMAINS
from werkstatt.i18n import translations

spec = importlib.util.spec_from_file_location("translate", ROOT / "scripts" / "translate.py")
assert spec is not None and spec.loader is not None
translate = importlib.util.module_from_spec(spec)
sys.modules["translate"] = translate
spec.loader.exec_module(translate)


@pytest.mark.parametrize("domain", ["messages", *DOMAINS, "live"])
def test_every_string_has_an_english_translation(domain: str) -> None:
    wanted = translate.extract(domain)
    po = translate.LOCALE / f"{domain}.po"
    if not wanted:
        return
    assert po.exists(), f"run: python scripts/translate.py {domain}"
    with po.open("rb") as handle:
        done = {
            m.id  # a plural's id is (singular, plural), and it needs every form
            for m in read_po(handle, locale="en")
            if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
    missing = sorted(wanted - done, key=str)
    assert missing == [], f"untranslated in {domain}.po (python scripts/translate.py {domain}): {missing[:10]}"


def test_catalogues_are_merged() -> None:
    assert translations("en").gettext("Zum Inhalt springen") == "Skip to content"
    assert translations("de").gettext("Zum Inhalt springen") == "Zum Inhalt springen"


def test_counts_have_plurals_apart_from_the_column_header() -> None:
    """ "3 Punkte" is a count ("3 dots"), "Punkte" over a column a header ("Dots"): one msgid cannot be both."""
    english = translations("en")
    assert [english.ngettext("Punkt", "Punkte", n) for n in (1, 3)] == ["dot", "dots"]
    assert english.gettext("Punkte") == "Dots"
    assert [translations("de").ngettext("Punkt", "Punkte", n) for n in (1, 3)] == ["Punkt", "Punkte"]
