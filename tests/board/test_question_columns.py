"""One column per question: where the cards a board shows answer different questions (a Blitzlicht, then "Was
stört Sie?"), the discuss view, the projector and the cluster step's unsorted cards show a column per question,
headed by it, each with its count and its own "weitere anzeigen". One question stays one column."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, coach_client, join, start
from tests.board.test_page_size import add_cards
from tests.factories import make_account, make_network
from tests.html import by_id, parse
from werkstatt.board import queries
from werkstatt.board.models import Cluster, Idea
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

__all__ = ["coach_client"]

WORD = "Ein Wort zum Markt?"
BOTHER = "Was stört Sie am Markt?"
AGENDA = [
    {"title": "Blitzlicht", "minutes": 5, "question": WORD, "board": {"mechanic": "collect", "config": {}}},
    {"title": "Sammeln", "minutes": 10, "question": BOTHER, "board": {"mechanic": "collect", "config": {}}},
    # the same question once more (spaces and case aside): its cards share the column of step 1
    {"title": "Nachlegen", "minutes": 5, "question": " was stört  Sie am Markt? ", "board": {"mechanic": "collect"}},
    {"title": "Gespräch", "minutes": 10, "board": {"mechanic": "discuss"}},
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    coach = account_snapshot(await make_account(db, Role.coach, network.network))
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Markt", "agenda": AGENDA})
    created = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(created.id), created.join_code, coach, str(network.network.id), str(network.towns[0].id))


async def cards(db: AsyncSession, workshop: LiveWorkshop, words: int, bothers: int, later: int = 0) -> None:
    """`words` Blitzlicht cards (step 0), `bothers` cards of step 1 and `later` of step 2."""
    await add_cards(db, workshop.id, 0, words, step=0)
    await add_cards(db, workshop.id, words, words + bothers, step=1)
    if later:
        await add_cards(db, workshop.id, words + bothers, words + bothers + later, step=2)


async def pages(client: AsyncTestClient[Any], workshop: LiveWorkshop, guest: str) -> dict[str, str]:
    board = f"/w/{workshop.id}"
    return {
        "coach": (await client.get(board)).text,
        "guest": (await as_guest(client, "GET", board, guest)).text,
        "projector": (await client.get(f"{board}/beamer")).text,
    }


def numbers(column: Any) -> list[int]:
    """The numbers in the cards' texts ("Idee 7: …") of one column."""
    return [int(p.get_text().split(":")[0].split()[-1]) for p in column.select("article.idea .idea-text")]


async def test_discuss_view_shows_a_column_per_question_for_coach_guest_and_projector(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop
) -> None:
    await cards(db, workshop, words=3, bothers=4, later=2)
    await start(coach_client, workshop, 3)
    guest = (await join(coach_client, workshop.code, "Gast"))["token"]
    for who, html in (await pages(coach_client, workshop, guest)).items():
        columns = parse(html).select("#board .question-column")
        assert [c.select_one(".question-text").get_text(strip=True) for c in columns] == [WORD, BOTHER], who
        assert by_id(html, "question-count-0").get_text(strip=True) == "3", who
        assert by_id(html, "question-count-1").get_text(strip=True) == "6", who
        assert numbers(columns[0]) == [0, 1, 2], who
        assert numbers(columns[1]) == [3, 4, 5, 6, 7, 8], who
        assert by_id(html, "ideas-step-1")["data-steps"] == "1 2", who


async def test_each_question_column_has_its_own_weitere_anzeigen(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 4)
    await cards(db, workshop, words=6, bothers=9)
    await start(coach_client, workshop, 3)
    html = (await coach_client.get(f"/w/{workshop.id}")).text
    first, second = parse(html).select("#board .question-column")
    assert numbers(first) == [0, 1, 2, 3] and numbers(second) == [6, 7, 8, 9]
    more = second.select_one(".more-cards a")
    assert more is not None and more.get_text(strip=True) == "5 weitere anzeigen"
    seen = numbers(second)
    while more is not None:
        batch = parse((await coach_client.get(str(more["hx-get"]), headers={"hx-request": "true"})).text)
        seen += numbers(batch)
        more = batch.select_one(".more-cards a")
    assert seen == list(range(6, 15)), "the second column's batches bring its own cards only"
    assert first.select_one(".more-cards a").get_text(strip=True) == "2 weitere anzeigen"


async def test_one_question_stays_one_column(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop
) -> None:
    await cards(db, workshop, words=0, bothers=3, later=2)  # steps 1 and 2 ask the same question
    await start(coach_client, workshop, 3)
    html = (await coach_client.get(f"/w/{workshop.id}")).text
    assert not parse(html).select(".question-column")
    assert len(parse(html).select("#ideas-all article.idea")) == 5


async def test_collecting_shows_the_steps_own_cards_in_one_column(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop
) -> None:
    await cards(db, workshop, words=3, bothers=2)
    await start(coach_client, workshop, 1)
    html = (await coach_client.get(f"/w/{workshop.id}")).text
    assert not parse(html).select(".question-column")
    assert numbers(by_id(html, "ideas-step-1")) == [3, 4]


async def test_unsorted_cards_stand_in_a_column_per_question_while_clustering(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 10)
    await cards(db, workshop, words=4, bothers=14)
    cluster = Cluster(workshop_id=UUID(workshop.id), name="Verkehr", position=0)
    db.add(cluster)
    await db.flush()
    ideas = (await db.execute(select(Idea).where(Idea.workshop_id == UUID(workshop.id)))).scalars().all()
    for idea in ideas:
        if idea.text.startswith(("Idee 0:", "Idee 4:", "Idee 5:")):
            idea.cluster_id = cluster.id
    await db.commit()
    await start(coach_client, workshop, 4)
    guest = (await join(coach_client, workshop.code, "Gast"))["token"]
    for who, html in (await pages(coach_client, workshop, guest)).items():
        assert by_id(html, f"cluster-count-{cluster.id}").get_text(strip=True) == "3", who
        assert by_id(html, "cluster-count-none-step-0").get_text(strip=True) == "3", who
        assert by_id(html, "cluster-count-none-step-1").get_text(strip=True) == "12", who
        assert numbers(by_id(html, "cluster-cards-none-step-0")) == [1, 2, 3], who
        unsorted = by_id(html, "cluster-cards-none-step-1")
        assert unsorted["data-cluster-id"] == "" and unsorted["data-steps"] == "1 2", who
        assert numbers(unsorted) == list(range(6, 16)), who
        assert by_id(html, "cluster-none-step-1").select_one(".cluster-name").get_text(strip=True) == BOTHER
    html = (await coach_client.get(f"/w/{workshop.id}")).text
    more = by_id(html, "cluster-none-step-1").select_one(".more-cards a")
    assert more is not None and more.get_text(strip=True) == "2 weitere anzeigen"
    rest = parse((await coach_client.get(str(more["hx-get"]), headers={"hx-request": "true"})).text)
    assert numbers(rest) == [16, 17]
    assert all(card.select_one("[data-open='move-dialog']") for card in rest.select("article.idea"))
