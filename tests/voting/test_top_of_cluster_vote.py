"""The top N of a vote on clusters, as a later step's cards: the cards the N clusters with the most dots held
when that vote started (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join
from tests.factories import make_account, make_network
from tests.voting.conftest import Room
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

COLLECT, CLUSTER, VOTE, MATRIX = range(4)
AGENDA = [
    {"title": "Was stört Sie?", "minutes": 10, "board": {"mechanic": "collect"}},
    {"title": "Clustern", "minutes": 10, "board": {"mechanic": "cluster"}},
    {
        "title": "Cluster punkten",
        "minutes": 10,
        "board": {"mechanic": "vote", "config": {"cards": "clusters", "dots_per_person": 2, "max_per_item": 2}},
    },
    {
        "title": "Aufwand und Nutzen",
        "minutes": 10,
        "board": {"mechanic": "rate_matrix", "config": {"cards": {"from": "top", "step": VOTE, "n": 1}}},
    },
]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    coach = account_snapshot(await make_account(db, Role.coach, network.network))
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Markt", "agenda": AGENDA})
    planned = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


async def test_the_top_cluster_of_a_cluster_vote_brings_its_cards_to_the_matrix(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    room = Room(coach_client, workshop)
    await room.step(COLLECT)
    guest = await join(coach_client, workshop.code, "Anna")
    room.guests.append(guest)
    for text in ("Zu wenig Bänke", "Kein Schatten", "Leerstand", "Kaum Radbügel"):
        posted = await as_guest(coach_client, "POST", f"{room.base}/ideas", guest["token"], json={"text": text})
        assert posted.status_code == 201, posted.text
        room.ideas.append(posted.json()["id"])
    await room.step(CLUSTER)
    for name in ("Aufenthalt", "Handel"):
        assert (await room.command(type="create_cluster", name=name)).status_code == 200
    aufenthalt, handel = [c["id"] for c in (await room.results())["clusters"]]
    for idea, cluster in zip(room.ideas, (aufenthalt, aufenthalt, handel, handel), strict=True):
        assert (await room.command(type="move_idea", idea_id=idea, cluster_id=cluster)).status_code == 200
    await room.step(VOTE)
    for _dot in range(2):
        cast = await as_guest(coach_client, "POST", f"{room.base}/votes", guest["token"], json={"cluster_id": handel})
        assert cast.status_code == 201, cast.text
    # moved after the vote started: the vote's fixed cards decide, not the board's clusters now
    assert (await room.command(type="move_idea", idea_id=room.ideas[2], cluster_id=aufenthalt)).status_code == 200
    await room.step(MATRIX)
    matrix = next(s for s in (await room.results())["steps"] if s["step"] == MATRIX)
    assert matrix["cards"]["from"] == "top"
    assert sorted(matrix["items"]) == sorted(room.ideas[2:])
    rated = await as_guest(
        coach_client,
        "POST",
        f"{room.base}/votes",
        guest["token"],
        json={"idea_id": room.ideas[0], "score_x": 2, "score_y": 4},
    )
    assert rated.status_code == 409, "a card of the weaker cluster is not offered"
