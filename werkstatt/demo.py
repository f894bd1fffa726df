"""Demo data for the embedded mode: idempotent, believable, fictional."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.network.service import create_account, find_account

if TYPE_CHECKING:
    from werkstatt.settings import Settings

DEMO_ACCOUNTS = [
    ("admin@werkstatt.example", Role.admin, "Demo-Admin"),
    ("coach@werkstatt.example", Role.coach, "Katrin Demo (Projektcoach)"),
]


async def load_demo(settings: Settings) -> list[str]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            for email, role, name in DEMO_ACCOUNTS:
                if await find_account(db, email) is None:
                    await create_account(db, email, role, name, settings.demo_password)
            await db.commit()
    finally:
        await engine.dispose()
    return [
        "Demodaten geladen.",
        f"Demo-Coach: coach@werkstatt.example / {settings.demo_password}",
        f"Demo-Admin: admin@werkstatt.example / {settings.demo_password}",
    ]
