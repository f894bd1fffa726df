"""Planning tests start from database templates that already hold the shipped catalogue (synced once per
session instead of once per test)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import _pg_url
from werkstatt.catalogue.loader import load_shipped
from werkstatt.catalogue.service import sync_methods
from werkstatt.db import create_sessionmaker


async def _sync(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with create_sessionmaker(engine)() as db:
            await sync_methods(db, load_shipped())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(sqlite_template: Path) -> Path:
    asyncio.run(_sync(f"sqlite+aiosqlite:///{sqlite_template}"))
    return sqlite_template


@pytest.fixture(scope="session")
def pg_template(pg_template: str) -> str:
    asyncio.run(_sync(_pg_url(pg_template)))
    return pg_template
