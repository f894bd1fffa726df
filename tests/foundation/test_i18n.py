"""English second: every German string in code and templates has an English translation.

The catalogues are extracted by the same pybabel run as `make messages` (scripts/messages.sh)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from werkstatt.app import DOMAINS
from werkstatt.i18n import LOCALE_DIR, Message, _, _n, translate, translations

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

CATALOGUES = ["messages", *DOMAINS, "live"]
PO = LOCALE_DIR / "en" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pot")
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "messages.sh"), "extract", str(folder)],
        check=True,
        env={"PYBABEL": str(pybabel), "PATH": "/usr/bin:/bin"},
    )
    return folder


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="en")


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_every_string_has_an_english_translation(extracted: Path, catalogue: str) -> None:
    wanted = {m.id for m in _read(extracted / f"{catalogue}.pot") if m.id}
    po = PO / f"{catalogue}.po"
    assert po.exists(), "run: make messages"
    done = {
        m.id  # a plural's id is (singular, plural), and it needs every form
        for m in _read(po)
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(wanted - done, key=str)
    assert missing == [], f"untranslated in {catalogue}.po (make messages, then fill in): {missing[:10]}"


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_translations_keep_the_placeholders(catalogue: str) -> None:
    """babel's checkers (as `pybabel compile` runs them): `%(seconds)d` in German is `%(seconds)d` in English."""
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _read(PO / f"{catalogue}.po").check()]
    assert problems == []


def test_the_messages_of_errors_are_extracted(extracted: Path) -> None:
    """The refusals that used to be German literals outside gettext are in the catalogues now."""
    ids = {m.id for catalogue in CATALOGUES for m in _read(extracted / f"{catalogue}.pot")}
    assert {"Nicht gefunden", "Das Board ist gerade gesperrt. Die Moderation gibt es gleich wieder frei."} <= ids
    assert "Die Beamer-Ansicht ist nur zum Lesen." in ids  # a websocket error frame
    counted = (
        "Zu viele Fehlversuche. Bitte in %(n)d Minute erneut versuchen.",
        "Zu viele Fehlversuche. Bitte in %(n)d Minuten erneut versuchen.",
    )
    assert counted in ids


def test_catalogues_are_merged() -> None:
    assert translations("en").gettext("Zum Inhalt springen") == "Skip to content"
    assert translations("de").gettext("Zum Inhalt springen") == "Zum Inhalt springen"


def test_counts_have_plurals_apart_from_the_column_header() -> None:
    """ "3 Punkte" is a count ("3 dots"), "Punkte" over a column a header ("Dots"): one msgid cannot be both."""
    english = translations("en")
    assert [english.ngettext("Punkt", "Punkte", n) for n in (1, 3)] == ["dot", "dots"]
    assert english.gettext("Punkte") == "Dots"
    assert [translations("de").ngettext("Punkt", "Punkte", n) for n in (1, 3)] == ["Punkt", "Punkte"]


def test_a_message_reads_as_german_and_translates_with_its_parameters() -> None:
    message = _("Muss zwischen 1 und %(scale)d liegen.") % {"scale": 5}
    assert message == "Muss zwischen 1 und 5 liegen."
    assert message.in_("en") == "Must be between 1 and 5."
    assert translate("de", message) == "Muss zwischen 1 und 5 liegen."
    assert translate("en", "schon übersetzt") == "schon übersetzt"  # plain text stays as it is


def test_a_parameter_that_is_a_message_is_translated_too() -> None:
    message = _("Von „%(old)s“ geht es nicht zu „%(new)s“.") % {"old": _("Idee"), "new": _("umgesetzt")}
    assert message.in_("en") == "“Idea” cannot change to “done”."


def test_a_counted_message_picks_its_form_in_each_language() -> None:
    def wait(n: int) -> Message:
        return _n(
            "Zu viele Fehlversuche. Bitte in %(n)d Minute erneut versuchen.",
            "Zu viele Fehlversuche. Bitte in %(n)d Minuten erneut versuchen.",
            n,
        ) % {"n": n}

    assert [wait(n) for n in (1, 5)] == [
        "Zu viele Fehlversuche. Bitte in 1 Minute erneut versuchen.",
        "Zu viele Fehlversuche. Bitte in 5 Minuten erneut versuchen.",
    ]
    assert wait(1).in_("en") == "Too many failed attempts. Please try again in 1 minute."
    assert wait(5).in_("en") == "Too many failed attempts. Please try again in 5 minutes."


def test_a_message_survives_pickling() -> None:
    message = _("Unbekannte Zielgruppe: %(group)s") % {"group": "jugend"}
    again = pickle.loads(pickle.dumps(message))  # noqa: S301 - our own bytes
    assert (again, again.in_("en")) == (message, "Unknown target group: jugend")
