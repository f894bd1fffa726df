"""`werkstatt privacy`: retention run, and an account holder's export and erasure."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.settings import Settings

T = TypeVar("T")


def _run(work: Callable[[Settings, async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Run one job with a database engine of its own, disposed afterwards."""
    from werkstatt.db import create_engine, create_sessionmaker
    from werkstatt.settings import settings_from_env

    settings = settings_from_env()

    async def main() -> T:
        engine = create_engine(settings)
        try:
            return await work(settings, create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


@click.group()
def privacy() -> None:
    """Datenschutz: Aufbewahrungsfristen anwenden, Auskunft und Löschung für ein Konto."""


@privacy.command("prune")
def prune() -> None:
    """Wendet die Aufbewahrungsfristen jetzt an (Gäste pseudonymisieren, Abgelaufenes löschen).

    Läuft sonst regelmäßig im Server; mehrfach oder parallel aufgerufen ändert es nichts doppelt."""
    from werkstatt.privacy.retention import apply_retention

    report = _run(lambda settings, factory: apply_retention(factory, settings, datetime.now(UTC)))
    for line in report.lines():
        click.echo(line)


@privacy.command("export")
@click.argument("email")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="In diese Datei schreiben (Standard: Standardausgabe).",
)
def export(email: str, output: Path | None) -> None:
    """Gibt alles, was über das Konto EMAIL gespeichert ist, als JSON aus (Auskunft, Art. 15/20 DSGVO)."""
    from werkstatt.privacy.accounts import UnknownAccount
    from werkstatt.privacy.data_export import run_export

    try:
        text = _run(lambda _settings, factory: run_export(factory, email, datetime.now(UTC)))
    except UnknownAccount as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(1)
    if output is None:
        click.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    output.chmod(0o600)
    click.echo(f"Auskunft geschrieben: {output}", err=True)


@privacy.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage löschen.")
def erase(email: str, yes: bool) -> None:
    """Löscht das Konto EMAIL und anonymisiert die Person überall (Art. 17 DSGVO).

    Ergebnisse von Werkstätten bleiben erhalten: Karten, Kommentare und Stimmen stehen danach unter einem
    Pseudonym, Projektideen der Person sind ohne Verantwortliche. Anmelden ist nicht mehr möglich; Sitzungen
    und API-Tokens enden, offene Live-Verbindungen werden geschlossen."""
    from werkstatt.privacy.accounts import UnknownAccount
    from werkstatt.privacy.erasure import run_erasure

    if not yes and not click.confirm(f"Konto {email} endgültig löschen?", default=False):
        click.echo("Abgebrochen; nichts wurde geändert.", err=True)
        sys.exit(1)
    try:
        report = _run(lambda settings, factory: run_erasure(factory, settings, email, datetime.now(UTC)))
    except UnknownAccount as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(1)
    for line in report.lines():
        click.echo(line)


COMMANDS = [privacy]
