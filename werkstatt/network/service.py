"""Commands on accounts (and, from the organisation issue on, networks, towns and Kernteams)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.network.models import Account, Role
from werkstatt.passwords import hash_password

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s.]{2,}$")
MIN_PASSWORD = 10


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValueError("Bitte eine gültige E-Mail-Adresse angeben.")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Das Passwort muss mindestens {MIN_PASSWORD} Zeichen lang sein.")
    if len(password) > 200:
        raise ValueError("Das Passwort darf höchstens 200 Zeichen lang sein.")


async def find_account(db: AsyncSession, email: str) -> Account | None:
    return (await db.execute(select(Account).where(func.lower(Account.email) == email.lower()))).scalar_one_or_none()


async def create_account(
    db: AsyncSession, email: str, role: Role, display_name: str | None, password: str | None
) -> Account:
    """Validate and add an account; the caller commits."""
    email = normalise_email(email)
    if password is not None:
        check_password(password)
    name = (display_name or email.split("@", 1)[0]).strip()
    if not name or len(name) > 100:
        raise ValueError("Der Anzeigename muss 1 bis 100 Zeichen lang sein.")
    if await find_account(db, email) is not None:
        raise ValueError(f"Ein Konto mit {email} gibt es schon.")
    account = Account(
        email=email, role=role, display_name=name, password_hash=hash_password(password) if password else None
    )
    db.add(account)
    await db.flush()
    return account


async def create_account_cli(settings: Settings, email: str, role: str, display_name: str | None, password: str) -> str:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            account = await create_account(db, email, Role(role), display_name, password)
            await db.commit()
            return f"Konto {account.email} ({role}) angelegt."
    finally:
        await engine.dispose()
