"""`werkstatt export WORKSHOP_ID --format pdf --output FILE`: the same file the coach downloads, straight
from the database (for admins; it shows what the room has seen, like the download)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from uuid import UUID

import click

from werkstatt.export.formats import FORMATS


async def _export(workshop_id: UUID, fmt: str, locale: str) -> tuple[bytes, str]:
    from datetime import UTC, datetime

    from werkstatt.db import create_engine, create_sessionmaker
    from werkstatt.export.gather import gather
    from werkstatt.export.text import filenames
    from werkstatt.settings import settings_from_env
    from werkstatt.web import BERLIN
    from werkstatt.workshops.service import get_workshop

    engine = create_engine(settings_from_env())
    try:
        async with create_sessionmaker(engine)() as db:
            workshop = await get_workshop(db, workshop_id)
            data = await gather(db, workshop, locale)
    finally:
        await engine.dispose()
    starts = data.starts_at or datetime.now(UTC)
    day = (starts if starts.tzinfo else starts.replace(tzinfo=UTC)).astimezone(BERLIN).date()
    return FORMATS[fmt].render(data), filenames(data.town, day, data.title, fmt)[0]


@click.command("export")
@click.argument("workshop_id", type=click.UUID)
@click.option(
    "--format", "fmt", type=click.Choice(list(FORMATS)), default="pdf", show_default=True, help="Dateiformat."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Zieldatei; „-“ schreibt auf die Standardausgabe (Standard: werkstatt-STADT-DATUM-TITEL.FORMAT hier).",
)
@click.option(
    "--locale", type=click.Choice(["de", "en"]), default="de", show_default=True, help="Sprache des Dokuments."
)
def export_command(workshop_id: UUID, fmt: str, output: Path | None, locale: str) -> None:
    """Exportiert das Ergebnis einer Werkstatt (PDF-Protokoll, DOCX, XLSX, CSV, Markdown oder JSON)."""
    from werkstatt.errors import NotFound

    try:
        body, name = asyncio.run(_export(workshop_id, fmt, locale))
    except NotFound as error:
        click.echo(f"Fehler: {error.detail}", err=True)
        sys.exit(1)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    target = output or Path(name)
    target.write_bytes(body)
    click.echo(f"Export geschrieben: {target} ({len(body):,} Bytes)".replace(",", "."))


COMMANDS = [export_command]
