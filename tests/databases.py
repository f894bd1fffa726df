"""The test worker's databases: migrated once per worker and template, reset to the template's rows before each
test. PostgreSQL empties every table (DELETE: faster than TRUNCATE for a test's few rows), puts back what the
template holds and sets its sequences back; SQLite copies the template's file over the worker's file. Both keep
the database's URL, so the app built for the worker's settings can serve every test."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

PG_HOST = os.environ.get("WERKSTATT_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN_DSN = os.environ.get("WERKSTATT_TEST_PG", f"postgresql://postgres@{PG_HOST}:5432/test")
KEPT = "alembic_version"  # migrations' bookkeeping: no test writes it, every test needs it


def _pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:5432/{name}"


def _pg_dsn(name: str) -> str:
    return f"postgresql://postgres@{PG_HOST}:5432/{name}"


async def _pg_execute(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _quote(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'


@dataclass
class PgWorkerDatabase:
    name: str
    tables: list[str] = field(default_factory=list)  # every table but KEPT
    seeds: dict[str, bytes] = field(default_factory=dict)  # table → the template's rows (binary COPY)
    wipe: str = ""  # SQL that empties every table and sets every sequence back to where the template has it

    @property
    def url(self) -> str:
        return _pg_url(self.name)

    async def create(self, template: str) -> None:
        await _pg_execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        connection = await asyncpg.connect(_pg_dsn(self.name))
        try:
            rows = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1 ORDER BY 1", KEPT
            )
            self.tables = [row["tablename"] for row in rows]
            for table in await self._written(connection):
                buffer = io.BytesIO()
                await connection.copy_from_table(table, output=buffer, format="binary")
                self.seeds[table] = buffer.getvalue()
            found = await connection.fetch(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name,"
                " coalesce(last_value, start_value) AS value, last_value IS NOT NULL AS called"
                " FROM pg_sequences WHERE schemaname = 'public'"
            )
            # names from the catalogue, quoted
            self.wipe = " ".join(
                [f"DELETE FROM {_quote(table)};" for table in self.tables]  # noqa: S608
                + [f"SELECT setval('{row['name']}', {int(row['value'])}, {bool(row['called'])});" for row in found]
            )
        finally:
            await connection.close()

    async def _written(self, connection: asyncpg.Connection) -> list[str]:
        """The tables that hold rows (one query over all tables)."""
        if not self.tables:
            return []
        # table names from pg_tables, quoted
        probe = " UNION ALL ".join(f"(SELECT {i} FROM {_quote(t)} LIMIT 1)" for i, t in enumerate(self.tables))  # noqa: S608
        return [self.tables[row[0]] for row in await connection.fetch(probe)]

    async def reset(self) -> None:
        connection = await asyncpg.connect(_pg_dsn(self.name))
        try:
            async with connection.transaction():
                # A connection the last test left open (an engine it did not dispose) would hold locks. DELETE
                # rather than TRUNCATE: a few rows in a dozen tables go faster than new files for every table.
                # Foreign keys go unchecked meanwhile (each table ends as the template has it), and the reset
                # need not wait for its commit to reach the disk.
                await connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid();"
                    " SET LOCAL session_replication_role = replica; SET LOCAL synchronous_commit = off;"
                )
                await connection.execute(self.wipe)
                for table, rows in self.seeds.items():
                    await connection.copy_to_table(table, source=io.BytesIO(rows), format="binary")
        finally:
            await connection.close()


class WorkerDatabases:
    """This worker's databases, one per template (a folder may bring a template of its own)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._postgres: dict[str, PgWorkerDatabase] = {}
        self._sqlite: dict[Path, Path] = {}

    def postgres(self, template: str) -> str:
        database = self._postgres.get(template)
        if database is None:
            database = PgWorkerDatabase(f"werkstatt_w_{uuid.uuid4().hex[:12]}")
            asyncio.run(database.create(template))
            self._postgres[template] = database
        else:
            asyncio.run(database.reset())
        return database.url

    def sqlite(self, template: Path) -> str:
        path = self._sqlite.setdefault(template, self.folder / f"werkstatt-{len(self._sqlite)}.db")
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        copy = path.with_name(path.name + ".new")
        shutil.copyfile(template, copy)
        copy.replace(path)  # a connection the last test left open keeps the old file, not this one
        return f"sqlite+aiosqlite:///{path}"

    def drop(self) -> None:
        for database in self._postgres.values():
            asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)'))
