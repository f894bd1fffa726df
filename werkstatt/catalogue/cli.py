"""`werkstatt methods check|sync|export`."""

from __future__ import annotations

import asyncio
import sys
import zipfile
from pathlib import Path

import click


@click.group("methods")
def methods_group() -> None:
    """Methodenkarten prüfen, in die Datenbank übernehmen und exportieren."""


@methods_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Prüft Karten- und Vorlagendateien (Standard: methods/ mit methods/agendas/)."""
    from werkstatt.catalogue.check import check, report

    loaded = check(paths)
    for line in report(loaded):
        click.echo(line, err=not loaded.ok)
    if not loaded.ok:
        sys.exit(1)


@methods_group.command("sync")
def sync_command() -> None:
    """Überträgt die mitgelieferten Karten und Ablaufvorlagen in die Datenbank (Upsert über den Slug)."""
    from werkstatt.catalogue.service import CatalogueInvalid, sync_shipped_methods
    from werkstatt.settings import settings_from_env

    try:
        counts = asyncio.run(sync_shipped_methods(settings_from_env()))
    except CatalogueInvalid as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo("Nichts übernommen: Bitte zuerst die Fehler beheben (werkstatt methods check).", err=True)
        sys.exit(1)
    click.echo(
        f"Methoden übernommen: {counts['created']} neu, {counts['updated']} aktualisiert, "
        f"{counts['unchanged']} unverändert; {counts['agendas']} Ablaufvorlagen."
    )


@methods_group.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--network", "network_slug", default=None, help="Kurzname des Netzwerks (Standard: mitgelieferte Karten)."
)
def export_command(target: Path, network_slug: str | None) -> None:
    """Schreibt Karten aus der Datenbank als YAML-Dateien in einen Ordner oder eine .zip-Datei."""
    from werkstatt.catalogue.editing import export_cards
    from werkstatt.settings import settings_from_env

    try:
        files = asyncio.run(export_cards(settings_from_env(), network_slug))
    except LookupError as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(1)
    if target.suffix == ".zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files:
                archive.writestr(name, content)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, content in files:
            (target / name).write_text(content, encoding="utf-8")
    click.echo(f"{len(files)} Karten nach {target} geschrieben.")


COMMANDS = [methods_group]
