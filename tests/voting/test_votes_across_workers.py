"""Two app processes on PostgreSQL + Redis: 50 parallel identical votes give exactly one vote; budgets and caps
hold when many guests vote at once on both workers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server
from tests.factories import make_account, make_network
from werkstatt.board.models import Idea
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.voting.models import Vote
from werkstatt.workshops.models import Participant
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import Actor, create_workshop

pytestmark = [pytest.mark.multiprocess, pytest.mark.postgres, pytest.mark.redis]


async def _voting_workshop(database_url: str, cards: int) -> tuple[str, str, list[str]]:
    """A live workshop already in its vote step (3 dots, at most 1 per card) with `cards` cards."""
    from werkstatt.board.service import start_step

    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "Zwei Worker stimmen ab",
                "agenda": [
                    {"title": "Sammeln", "minutes": 5, "board": {"mechanic": "collect"}},
                    {
                        "title": "Punkten",
                        "minutes": 5,
                        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 1}},
                    },
                ],
            }
        )
        workshop = await create_workshop(db, coach, data)
        actor = Actor(workshop, None, coach, is_coach=True)
        await start_step(db, actor, 0)
        author = Participant(workshop_id=workshop.id, display_name="Autorin", token_hash=uuid.uuid4().hex * 2)
        db.add(author)
        await db.flush()
        ideas = [
            Idea(workshop_id=workshop.id, participant_id=author.id, step_position=0, text=f"Karte {i}")
            for i in range(cards)
        ]
        db.add_all(ideas)
        await db.flush()
        await start_step(db, actor, 1)
        await db.commit()
        result = str(workshop.id), workshop.join_code, [str(i.id) for i in ideas]
    await engine.dispose()
    return result


async def _count(database_url: str, **where: Any) -> int:
    engine = create_async_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as db:
            query = select(func.count(Vote.id))
            for name, value in where.items():
                query = query.where(getattr(Vote, name) == value)
            return int((await db.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_fifty_parallel_identical_votes_give_one(cluster: list[Server], pg_database: str) -> None:
    workshop_id, code, ideas = await _voting_workshop(pg_database, 5)
    async with httpx.AsyncClient(timeout=30) as http:
        joined = await http.post(f"{cluster[0].url}/api/join", json={"code": code, "display_name": "Eilig"})
        token = joined.json()["token"]

        async def vote(index: int, key: str | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"}
            if key:
                headers["Idempotency-Key"] = key
            return await http.post(
                f"{cluster[index % 2].url}/api/workshops/{workshop_id}/votes",
                json={"idea_id": ideas[0]},
                headers=headers,
            )

        with_key = await asyncio.gather(*(vote(i, "ein-klick") for i in range(50)))
        assert {r.status_code for r in with_key} == {201}, [r.text for r in with_key if r.status_code != 201][:3]
        assert len({r.json()["id"] for r in with_key}) == 1
        assert await _count(pg_database, workshop_id=UUID(workshop_id)) == 1
        without_key = await asyncio.gather(*(vote(i, None) for i in range(50)))
        assert {r.status_code for r in without_key} <= {409}
        assert any("höchstens 1 Punkt" in r.json()["detail"] for r in without_key)
        assert await _count(pg_database, workshop_id=UUID(workshop_id)) == 1


async def test_budgets_and_caps_hold_for_many_guests_at_once(cluster: list[Server], pg_database: str) -> None:
    """Six guests, twelve parallel votes each, over both workers."""
    workshop_id, code, ideas = await _voting_workshop(pg_database, 6)
    async with httpx.AsyncClient(timeout=30) as http:
        tokens = []
        for index in range(6):
            joined = await http.post(
                f"{cluster[index % 2].url}/api/join", json={"code": code, "display_name": f"G{index}"}
            )
            tokens.append(joined.json()["token"])

        async def vote(guest: int, attempt: int) -> int:
            response = await http.post(
                f"{cluster[attempt % 2].url}/api/workshops/{workshop_id}/votes",
                json={"idea_id": ideas[attempt % len(ideas)]},
                headers={"Authorization": f"Bearer {tokens[guest]}"},
            )
            assert response.status_code in {201, 409}, response.text
            return response.status_code

        codes = await asyncio.gather(*(vote(g, a) for g in range(6) for a in range(12)))
        assert codes.count(201) == 6 * 3, "every guest gets exactly their three dots, no more"
    assert await _count(pg_database, workshop_id=UUID(workshop_id)) == 18
    engine = create_async_engine(pg_database)
    async with create_sessionmaker(engine)() as db:
        per_card = (
            await db.execute(
                select(Vote.participant_id, Vote.idea_id, func.count(Vote.id))
                .where(Vote.workshop_id == UUID(workshop_id))
                .group_by(Vote.participant_id, Vote.idea_id)
            )
        ).all()
    await engine.dispose()
    assert max(count for _p, _i, count in per_card) == 1
