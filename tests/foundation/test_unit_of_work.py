"""The unit of work: what a command records goes out only after its transaction committed, once; a rollback
(whole or of a savepoint) drops it; follow-ups run after the commit only (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.voting.conftest import workshop
from werkstatt.board.events import StepEdited, WorkshopClosed
from werkstatt.db import create_sessionmaker
from werkstatt.live.events import record
from werkstatt.live.models import WorkshopEvent
from werkstatt.settings import Settings
from werkstatt.uow import UnitOfWork, unit_of_work, use_publisher

__all__ = ["workshop"]


class Published:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, events: Sequence[Any]) -> None:
        self.batches.append([event.type for event in events])


@pytest.fixture
async def factory(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(settings.resolved_database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def published(factory: async_sessionmaker[AsyncSession]) -> Published:
    seen = Published()
    use_publisher(factory, seen)
    return seen


async def logged(factory: async_sessionmaker[AsyncSession], workshop_id: UUID) -> int:
    async with factory() as db:
        query = select(func.count()).select_from(WorkshopEvent).where(WorkshopEvent.workshop_id == workshop_id)
        return int((await db.execute(query)).scalar_one())


def edited(n: int) -> StepEdited:
    return StepEdited(0, f"Titel {n}", "", "")


async def test_events_go_out_after_the_commit_once(
    factory: async_sessionmaker[AsyncSession], published: Published, workshop: Any
) -> None:
    workshop_id = UUID(workshop.id)
    follow_ups: list[str] = []
    async with unit_of_work(factory) as uow:
        await record(uow.session, workshop_id, edited(1))
        await record(uow.session, workshop_id, WorkshopClosed("closed"))
        uow.after_commit(lambda: follow_ups.append("after"))
        assert published.batches == [], "nothing goes out before the commit"
        assert follow_ups == []
    assert published.batches == [["step_edited", "workshop_closed"]]
    assert follow_ups == ["after"]
    assert await logged(factory, workshop_id) == 2


async def test_a_rollback_drops_the_events_and_follow_ups(
    factory: async_sessionmaker[AsyncSession], published: Published, workshop: Any
) -> None:
    workshop_id = UUID(workshop.id)
    follow_ups: list[str] = []

    async def refused() -> None:
        async with unit_of_work(factory) as uow:
            await record(uow.session, workshop_id, edited(1))
            uow.after_commit(lambda: follow_ups.append("after"))
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        await refused()
    async with unit_of_work(factory) as uow:  # the next unit of work starts empty
        await record(uow.session, workshop_id, edited(2))
    assert published.batches == [["step_edited"]]
    assert follow_ups == []
    assert await logged(factory, workshop_id) == 1, "the log has no row of the rolled-back command"


async def test_a_savepoint_rollback_drops_only_what_it_recorded(
    factory: async_sessionmaker[AsyncSession], published: Published, workshop: Any
) -> None:
    workshop_id = UUID(workshop.id)
    async with unit_of_work(factory) as uow:
        await record(uow.session, workshop_id, edited(1))
        savepoint = await uow.session.begin_nested()
        await record(uow.session, workshop_id, WorkshopClosed("closed"))
        await savepoint.rollback()
        assert [event.type for event in uow.pending] == ["step_edited"]
    assert published.batches == [["step_edited"]]


async def test_a_session_that_commits_by_itself_publishes_too(
    factory: async_sessionmaker[AsyncSession], published: Published, workshop: Any
) -> None:
    """A session made by the app's factory (a background job, the CLI) needs no wrapper: its commit publishes."""
    async with factory() as db:
        await record(db, UUID(workshop.id), edited(1))
        await db.commit()
        await record(db, UUID(workshop.id), edited(2))
        await db.rollback()
        assert UnitOfWork.of(db).pending == ()
    assert published.batches == [["step_edited"]]
