"""Running Alembic from code (the `werkstatt db …` commands and the tests)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, output: io.StringIO | None = None) -> Config:
    config = Config(stdout=output) if output is not None else Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade to every head: domains add migrations on their own branches from 0001."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str:
    output = io.StringIO()
    command.current(alembic_config(url, output))
    return output.getvalue().strip()


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """SQLite reflects advanced-alchemy's GUID and DateTimeUTC as NUMERIC/DATETIME: not a real difference."""
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID | DateTimeUTC):
        return False
    return None


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Keep database objects the ORM does not model out of autogenerate and the models-vs-migrations check:
    SQLite FTS5 tables (`*_fts`) with their shadow tables (`*_fts_data`, …) and text-search expression
    indexes (`ix_*_tsv`), all created by hand in migrations."""
    if reflected and compare_to is None and name:
        if type_ == "table" and (name.endswith("_fts") or "_fts_" in name):
            return False
        if type_ == "index" and name.endswith("_tsv"):
            return False
    return True
