"""The town page lists the town's workshops: coaches get links, Kernteam members read, other networks get 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, coach_client, plan, start, workshop
from tests.factories import make_account, make_network, sign_in
from werkstatt.network.models import Network, Role
from werkstatt.settings import Settings

__all__ = ["coach_client", "workshop"]


async def test_town_page_lists_live_planned_and_held_workshops(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    later = await plan(db, workshop.coach, workshop.town_id, title="Zweite Runde im Frühjahr")
    await start(coach_client, workshop)
    town = await coach_client.get(f"/staedte/{workshop.town_id}")
    assert f'hx-get="/staedte/{workshop.town_id}/werkstaetten"' in town.text
    listed = await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten")
    assert listed.status_code == 200
    text = listed.text
    assert text.index("Ideen für den Markt") < text.index("Zweite Runde im Frühjahr"), "live before planned"
    assert f'href="/werkstaetten/{later.id}"' in text and ">live<" in text and ">geplant<" in text

    network = await db.get(Network, UUID(workshop.network_id))
    reader = await make_account(db, Role.kernteam, network)
    coach_client.cookies.clear()
    await sign_in(coach_client, db, settings, reader)
    read_only = await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten")
    assert read_only.status_code == 200 and "Zweite Runde im Frühjahr" in read_only.text
    assert "/werkstaetten/" not in read_only.text, "Kernteam members see the list without coach links"

    other = await make_network(db, "Anderes Netz", towns=("Zwickau",))
    stranger = await make_account(db, Role.coach, other.network)
    coach_client.cookies.clear()
    await sign_in(coach_client, db, settings, stranger)
    assert (await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten")).status_code == 404
