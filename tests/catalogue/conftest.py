from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.catalogue.service import sync_methods


@pytest.fixture
async def synced(db: AsyncSession) -> AsyncSession:
    """The shipped cards in the test's database (sync_methods_on_start is off in tests)."""
    counts = await sync_methods(db)
    assert counts["created"] >= 40
    return db
