"""Planning tests start from database templates that already hold the shipped catalogue (synced once per
session instead of once per test)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import _pg_execute, _pg_url
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
def sqlite_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's template with the catalogue: the shared one stays as migrations leave it
    (other folders' tests count what a sync creates)."""
    synced = tmp_path_factory.mktemp("workshops-template") / "werkstatt.db"
    shutil.copy(sqlite_template, synced)
    asyncio.run(_sync(f"sqlite+aiosqlite:///{synced}"))
    return synced


@pytest.fixture(scope="session")
def pg_template(pg_template: str) -> Iterator[str]:
    name = f"werkstatt_wtpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    asyncio.run(_sync(_pg_url(name)))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
