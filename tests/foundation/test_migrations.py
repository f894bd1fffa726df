from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from werkstatt.migrate import compare_type, current, downgrade, include_object, upgrade
from werkstatt.models import metadata


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": compare_type, "include_object": include_object}
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await _diff(database_url) == []


async def test_migrations_go_down_to_base_and_up_again(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await asyncio.to_thread(current, database_url) == ""
    await asyncio.to_thread(upgrade, database_url)
    assert "(head)" in await asyncio.to_thread(current, database_url)
    assert await _diff(database_url) == []
