"""Races on PostgreSQL (and SQLite): parallel posts get distinct card numbers; a reaction set twice at once
(a double click, two devices) is one reaction, never a unique violation."""

from __future__ import annotations

import asyncio
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.voting.conftest import Room
from werkstatt.board import service as board
from werkstatt.board.models import Idea, Reaction
from werkstatt.db import create_sessionmaker
from werkstatt.settings import Settings
from werkstatt.workshops.models import Participant
from werkstatt.workshops.service import Actor, get_workshop


async def _in_own_session(settings: Settings, room: Room, guest: int, action: str, idea: str | None = None) -> None:
    engine = create_async_engine(settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as db:
            workshop = await get_workshop(db, UUID(room.workshop.id))
            participant = await db.get(Participant, UUID(room.guests[guest]["participant_id"]))
            actor = Actor(workshop, participant, None, is_coach=False)
            if action == "post":
                await board.post_idea(db, actor, f"Parallel {guest}")
            else:
                assert idea is not None
                await board.react(db, actor, UUID(idea), "zustimmung", on=True)
            await db.commit()
    finally:
        await engine.dispose()


async def test_parallel_posts_get_distinct_numbers(room: Room, settings: Settings) -> None:
    await asyncio.gather(*(_in_own_session(settings, room, guest, "post") for guest in range(3)))
    engine = create_async_engine(settings.resolved_database_url)
    async with create_sessionmaker(engine)() as db:
        numbers = list(
            (await db.execute(select(Idea.number).where(Idea.workshop_id == UUID(room.workshop.id)))).scalars()
        )
    await engine.dispose()
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6, 7]


async def test_a_reaction_set_twice_at_once_is_one_reaction(room: Room, settings: Settings) -> None:
    idea = room.ideas[0]
    await asyncio.gather(*(_in_own_session(settings, room, 1, "react", idea) for _ in range(4)))
    engine = create_async_engine(settings.resolved_database_url)
    async with create_sessionmaker(engine)() as db:
        count = (await db.execute(select(func.count(Reaction.id)).where(Reaction.idea_id == UUID(idea)))).scalar_one()
    await engine.dispose()
    assert count == 1
