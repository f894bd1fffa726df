"""Shared builders for the planning tests."""

from __future__ import annotations

from functools import cache
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import csrf_headers
from tests.factories import NetworkFixture, make_account, make_network, sign_in
from werkstatt.catalogue.loader import Loaded, load_shipped
from werkstatt.catalogue.service import sync_methods
from werkstatt.network.models import Account, Role
from werkstatt.sessions import account_snapshot
from werkstatt.settings import Settings
from werkstatt.workshops.models import AgendaStep, Workshop
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}</h3><svg onload=alert(1)>",
]


@cache
def shipped() -> Loaded:
    return load_shipped()


async def sync_catalogue(db: AsyncSession) -> None:
    """The shipped cards and templates in the test database (the app syncs them at start in embedded mode)."""
    await sync_methods(db, shipped())


async def coach_setup(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, role: Role = Role.coach
) -> tuple[NetworkFixture, Account]:
    org = await make_network(db)
    account = await make_account(db, role, org.network)
    await sign_in(client, db, settings, account)
    return org, account


async def new_workshop(db: AsyncSession, account: Account, org: NetworkFixture, **fields: Any) -> Workshop:
    data = WorkshopCreate.model_validate({"town_id": org.towns[0].id, "title": "Innenstadt-Abend", **fields})
    workshop = await create_workshop(db, account_snapshot(account), data)
    await db.commit()
    return workshop


async def positions(db: AsyncSession, workshop_id: Any) -> list[tuple[int, str]]:
    rows = await db.execute(
        select(AgendaStep.position, AgendaStep.title)
        .where(AgendaStep.workshop_id == workshop_id)
        .order_by(AgendaStep.position)
    )
    return [(row[0], row[1]) for row in rows]


async def post_form(
    client: AsyncTestClient[Any], url: str, data: dict[str, Any] | list[tuple[str, str]], htmx: bool = False
) -> Any:
    headers = await csrf_headers(client)
    if htmx:
        headers["hx-request"] = "true"
    return await client.post(url, data=data, headers=headers, follow_redirects=False)
