"""`werkstatt methods check` on the shipped catalogue (must pass) and on broken fixtures (precise messages)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import ROOT, run_cli
from werkstatt.catalogue.check import check
from werkstatt.catalogue.schema import Category

BROKEN = Path(__file__).parent / "broken"


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("WERKSTATT_")}


def test_shipped_cards_pass_the_check() -> None:
    loaded = check()
    assert loaded.problems == []
    assert len(loaded.cards) >= 40
    assert {card.category for _file, card in loaded.cards.values()} == set(Category)
    assert len(loaded.agendas) == 6


def test_cli_check_passes_on_the_shipped_cards() -> None:
    result = run_cli(_env(), "methods", "check")
    assert result.returncode == 0, result.stderr
    assert "44 Methodenkarten, 6 Ablaufvorlagen" in result.stdout


def test_cli_check_fails_with_file_field_messages() -> None:
    result = run_cli(_env(), "methods", "check", str(BROKEN.relative_to(ROOT)))
    assert result.returncode == 1
    lines = set(result.stderr.splitlines())
    prefix = "tests/catalogue/broken/"
    expected = {
        f"{prefix}unbekanntes-feld.yaml:farbe: Unbekanntes Feld.",
        f"{prefix}falsche-kategorie.yaml:category: Unbekannter Wert; erlaubt: 'sensibilisierung', 'aktivierung', "
        "'ideenentwicklung', 'kooperation', 'kommunikation' oder 'projektumsetzung'.",
        f"{prefix}kaputte-verweise.yaml:combines_with.after.1: Unbekannter Slug 'gibt-es-nicht'.",
        f"{prefix}zu-lange-schritte.yaml:steps: Die Schritte dauern zusammen 83 Minuten; laut duration sind es "
        "20 bis 45 Minuten.",
        f"{prefix}falscher-dateiname.yaml:slug: Der Slug 'anderer-slug' passt nicht zum Dateinamen "
        "'falscher-dateiname.yaml'.",
        f"{prefix}falsche-board-einstellung.yaml:steps.1.board.config.dots: Unbekanntes Feld.",
        f"{prefix}doppelt.yml:slug: Der Slug 'doppelt' kommt schon in {prefix}doppelt.yaml vor.",
        f"{prefix}agendas/unbekannte-methode.yaml:steps.1.method: Unbekannte Methode 'stadtspaziergang'.",
        f"{prefix}moderation-im-teilnehmertext.yaml:steps.0.instructions: Dieser Text steht bei den Teilnehmenden; "
        "was die Moderation tut, gehört in facilitator_notes.",
    }
    assert expected <= lines, sorted(lines)
    assert any(line.startswith(f"{prefix}kein-yaml.yaml:(Datei): Kein gültiges YAML in Zeile") for line in lines)
    assert "10 Fehler gefunden." in lines


def test_every_broken_fixture_reports_only_its_own_problem() -> None:
    loaded = check([BROKEN])
    files = {Path(problem.file).name for problem in loaded.problems}
    assert files == {path.name for path in BROKEN.glob("*.y*ml") if path.name != "doppelt.yaml"} | {
        "unbekannte-methode.yaml"
    }
