"""Declarative base, engine and session factory.

Services do not commit: the unit of work (`werkstatt.uow`) commits the change together with its event row
and publishes only after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import JSON, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from werkstatt.errors import Unavailable

if TYPE_CHECKING:
    from werkstatt.settings import Settings

logger = logging.getLogger("werkstatt")

Base = UUIDv7AuditBase
metadata = orm_registry.metadata


def create_engine(settings: Settings) -> AsyncEngine:
    """`hide_parameters`: a database error in the log shows the statement, never the values (names, texts)."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _sqlite_write_safely(engine)
        return engine
    engine = create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800, hide_parameters=True
    )
    _refused_is_unavailable(engine)
    return engine


def _refused_is_unavailable(engine: AsyncEngine) -> None:
    """A server that refuses or does not answer a new connection (restarting, starting up, full) reaches the
    request as `Unavailable` (503, German, Retry-After) rather than as a bare OSError or driver error."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as error:
            logger.warning("database connection refused: %r", error)
            raise Unavailable from error


def _sqlite_write_safely(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE: a transaction that reads and then writes cannot fail with
    SQLITE_BUSY halfway, so concurrent posts in the embedded mode queue instead of erroring."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session


# advanced-alchemy's JsonB calls an API that SQLAlchemy 2.1 removed; plain JSON (JSONB on PostgreSQL) does.
JSONType = JSON().with_variant(JSONB(), "postgresql")
