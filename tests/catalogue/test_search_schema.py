"""The hand-made search objects exist and are the only thing autogenerate must be told to ignore."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from werkstatt.migrate import compare_type, include_object
from werkstatt.models import metadata


async def test_search_objects_and_models_agree(database_url: str, db: AsyncSession) -> None:
    if database_url.startswith("sqlite"):
        names = set((await db.execute(text("SELECT name FROM sqlite_master"))).scalars())
        assert {"method_fts", "method_fts_insert", "method_fts_update", "method_fts_delete"} <= names
    else:
        indexes = set((await db.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'method'"))).scalars())
        assert "ix_method_search_tsv" in indexes
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": compare_type, "include_object": include_object}
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()
    assert [item for item in diff if "method" in str(item) or "agenda" in str(item)] == []
