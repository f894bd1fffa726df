from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_account, make_network, sign_in
from werkstatt.network.models import Role
from werkstatt.sessions import CurrentAccount, account_snapshot
from werkstatt.settings import Settings
from werkstatt.workshops.models import Workshop
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {"title": "Was stört?", "minutes": 10, "board": {"mechanic": "collect", "config": {"max_length": 280}}},
    {"title": "Verdeckt sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {"blind": True}}},
    {"title": "Gespräch", "minutes": 15, "board": {"mechanic": "discuss"}},
    {
        "title": "Nur Moderation",
        "minutes": 5,
        "board": {"mechanic": "collect", "config": {"coach_only": True, "anonymous": True}},
    },
]


@dataclass
class LiveWorkshop:
    id: str
    code: str
    coach: CurrentAccount
    network_id: str
    town_id: str


async def plan(db: AsyncSession, coach: CurrentAccount, town_id: Any, title: str = "Ideen für den Markt") -> Workshop:
    data = WorkshopCreate.model_validate({"town_id": str(town_id), "title": title, "agenda": AGENDA})
    workshop = await create_workshop(db, coach, data)
    await db.commit()
    return workshop


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    coach = account_snapshot(account)
    planned = await plan(db, coach, network.towns[0].id)
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


@pytest.fixture
async def coach_client(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, workshop: LiveWorkshop
) -> AsyncTestClient[Any]:
    from werkstatt.network.models import Account

    account = await db.get(Account, workshop.coach.id)
    assert account is not None
    await sign_in(client, db, settings, account)
    return client


async def join(client: AsyncTestClient[Any], code: str, name: str = "Gast", group: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "display_name": name}
    if group:
        body["target_group"] = group
    response = await as_guest(client, "POST", "/api/join", None, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def as_guest(client: AsyncTestClient[Any], method: str, url: str, token: str | None, **kwargs: Any) -> Any:
    """A request as a program would send it: only the guest's bearer token, none of the coach's cookies."""
    saved = client.cookies
    client.cookies = httpx.Cookies()
    try:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers.update(bearer(token))
        return await client.request(method, url, headers=headers, **kwargs)
    finally:
        client.cookies = saved


async def start(client: AsyncTestClient[Any], workshop: LiveWorkshop, step: int = 0) -> None:
    """The coach starts a step (a cookie-authenticated API call from our own page)."""
    response = await client.post(
        f"/api/workshops/{workshop.id}/commands",
        json={"type": "start_step", "step": step},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 200, response.text
