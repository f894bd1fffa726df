from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, coach_client, join
from tests.factories import make_account, make_network
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

__all__ = ["MATRIX", "OPEN_VOTE", "RANK", "VOTE", "Room", "coach_client", "room", "workshop"]

VOTE, MATRIX, OPEN_VOTE, RANK = 1, 2, 3, 4
AGENDA = [
    {"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}},
    {
        "title": "Punkten",
        "minutes": 10,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2, "hidden": True}},
    },
    {
        "title": "Matrix",
        "minutes": 10,
        "board": {"mechanic": "rate_matrix", "config": {"x_label": "Aufwand", "y_label": "Nutzen", "scale": 5}},
    },
    {
        "title": "Offen punkten",
        "minutes": 5,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 2, "max_per_item": 1, "hidden": False}},
    },
    {"title": "Rangfolge", "minutes": 5, "board": {"mechanic": "rank"}},
]
SAME_ORIGIN = {"sec-fetch-site": "same-origin"}


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    coach = account_snapshot(account)
    data = WorkshopCreate.model_validate(
        {"town_id": str(network.towns[0].id), "title": "Was wird aus dem Markt?", "agenda": AGENDA}
    )
    planned = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


@dataclass
class Room:
    client: AsyncTestClient[Any]
    workshop: LiveWorkshop
    guests: list[dict[str, Any]] = field(default_factory=list)
    ideas: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/api/workshops/{self.workshop.id}"

    async def command(self, **body: Any) -> Any:
        return await self.client.post(f"{self.base}/commands", json=body, headers=SAME_ORIGIN)

    async def step(self, position: int) -> None:
        response = await self.command(type="start_step", step=position)
        assert response.status_code == 200, response.text

    async def vote(self, guest: int, idea: str, key: str | None = None, **scores: int) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return await as_guest(
            self.client,
            "POST",
            f"{self.base}/votes",
            self.guests[guest]["token"],
            json={"idea_id": idea, **scores},
            headers=headers,
        )

    async def unvote(self, guest: int, vote_id: str) -> Any:
        return await as_guest(self.client, "DELETE", f"{self.base}/votes/{vote_id}", self.guests[guest]["token"])

    async def results(self, guest: int | None = None) -> dict[str, Any]:
        if guest is None:
            response = await self.client.get(f"{self.base}/results")
        else:
            response = await as_guest(self.client, "GET", f"{self.base}/results", self.guests[guest]["token"])
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def events(self, guest: int | None = None, after: int = 0) -> list[dict[str, Any]]:
        url = f"{self.base}/events?after={after}"
        response = (
            await self.client.get(url)
            if guest is None
            else await as_guest(self.client, "GET", url, self.guests[guest]["token"])
        )
        assert response.status_code == 200, response.text
        return list(response.json())


@pytest.fixture
async def room(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> Room:
    """A live workshop with three guests (two target groups) and four cards, in the collect step."""
    live = Room(coach_client, workshop)
    await live.step(0)
    for name, group in (("Anna", "jugendliche"), ("Bert", "senioren"), ("Cem", "jugendliche")):
        live.guests.append(await join(coach_client, workshop.code, name, group))
    for index, text in enumerate(["Mehr Bänke", "Wochenmarkt am Abend", "Leerstand bespielen", "Radbügel"]):
        posted = await as_guest(
            coach_client, "POST", f"{live.base}/ideas", live.guests[index % 3]["token"], json={"text": text}
        )
        assert posted.status_code == 201, posted.text
        live.ideas.append(posted.json()["id"])
    return live
