"""The demo network is believable and loading it twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.demo import TOPICS, load_demo
from werkstatt.network.models import (
    Account,
    FocusTopic,
    KernteamMember,
    Network,
    Role,
    TargetGroup,
    Town,
    TownFocusTopic,
)
from werkstatt.settings import Settings


async def counts(db: AsyncSession) -> list[int]:
    await db.commit()
    models = (Network, Town, FocusTopic, TargetGroup, KernteamMember, TownFocusTopic, Account)
    return [int(await db.scalar(select(func.count()).select_from(model)) or 0) for model in models]


async def test_demo_network_is_complete_and_idempotent(db: AsyncSession, settings: Settings) -> None:
    lines = await load_demo(settings)
    assert "Demo-Coach: coach@werkstatt.example / werkstatt-demo" in lines
    first = await counts(db)
    assert first[:4] == [1, 7, len(TOPICS), 6]
    await load_demo(settings)
    assert await counts(db) == first
    for town in (await db.execute(select(Town))).scalars():
        chosen = await db.scalar(select(func.count()).where(TownFocusTopic.town_id == town.id))
        people = await db.scalar(select(func.count()).where(KernteamMember.town_id == town.id))
        assert 2 <= (chosen or 0) <= 4, town.name
        assert (people or 0) >= 2, town.name
    network = (await db.execute(select(Network))).scalar_one()
    roles = {
        account.email: (account.role, account.network_id) for account in (await db.execute(select(Account))).scalars()
    }
    assert roles["coach@werkstatt.example"] == (Role.coach, network.id)
    assert roles["netzwerk@werkstatt.example"] == (Role.network_admin, network.id)
    assert roles["admin@werkstatt.example"] == (Role.admin, None)
    linked = await db.scalar(select(func.count()).where(KernteamMember.account_id.is_not(None)))
    assert linked == 1
