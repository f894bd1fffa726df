"""`werkstatt token create EMAIL`: an API token for an account, printed once."""

from __future__ import annotations

import asyncio
import sys

import click

from werkstatt.settings import Settings


async def _create_token(settings: Settings, email: str, name: str, days: int) -> str:
    from werkstatt.db import create_engine, create_sessionmaker
    from werkstatt.network.auth import create_api_token
    from werkstatt.network.service import find_account
    from werkstatt.uow import unit_of_work

    engine = create_engine(settings)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as uow:
            db = uow.session
            account = await find_account(db, email.strip().lower())
            if account is None or not account.is_active:
                raise click.ClickException(f"Kein aktives Konto mit {email}.")
            _row, token = await create_api_token(db, account.id, name, days)
            return token
    finally:
        await engine.dispose()


@click.group()
def token() -> None:
    """API-Schlüssel verwalten."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="Kommandozeile", help="Bezeichnung des Schlüssels.")
@click.option("--days", type=click.IntRange(1, 3650), default=365, help="Gültigkeit in Tagen.")
def token_create(email: str, name: str, days: int) -> None:
    """Erzeugt einen API-Schlüssel für ein Konto und gibt ihn einmalig aus."""
    from werkstatt.settings import settings_from_env

    settings = settings_from_env()
    try:
        click.echo(asyncio.run(_create_token(settings, email, name[:80], days)))
    except click.ClickException as error:
        click.echo(f"Fehler: {error.message}", err=True)
        sys.exit(1)


COMMANDS = [token]
