"""The town page lists the town's workshops: coaches get links, Kernteam members read (and open the result of
a held workshop), other networks get 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, coach_client, plan, start, workshop
from tests.factories import make_account, make_network, sign_in
from tests.voting.conftest import SAME_ORIGIN
from werkstatt.network.models import Network, Role, Town
from werkstatt.settings import Settings

HTMX = {"hx-request": "true"}  # the town page fetches the list; opened directly it redirects there

__all__ = ["coach_client", "workshop"]


async def test_town_page_lists_live_planned_and_held_workshops(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    later = await plan(db, workshop.coach, workshop.town_id, title="Zweite Runde im Frühjahr")
    await start(coach_client, workshop)
    town = await coach_client.get(f"/staedte/{workshop.town_id}")
    assert f'hx-get="/staedte/{workshop.town_id}/werkstaetten"' in town.text
    direct = await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten", follow_redirects=False)
    assert direct.headers["location"] == f"/staedte/{workshop.town_id}#town-workshops"  # not a bare fragment
    listed = await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten", headers=HTMX)
    assert listed.status_code == 200
    text = listed.text
    assert text.index("Ideen für den Markt") < text.index("Zweite Runde im Frühjahr"), "live before planned"
    assert f'href="/werkstaetten/{later.id}"' in text and ">live<" in text and ">geplant<" in text

    assert f'href="/w/{workshop.id}/ergebnis"' not in text, "no result while it runs"
    closed = await coach_client.post(
        f"/api/workshops/{workshop.id}/commands", json={"type": "close"}, headers=SAME_ORIGIN
    )
    assert closed.status_code == 200, closed.text

    network = await db.get(Network, UUID(workshop.network_id))
    reader = await make_account(db, Role.kernteam, network)
    coach_client.cookies.clear()
    await sign_in(coach_client, db, settings, reader)
    read_only = await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten", headers=HTMX)
    assert read_only.status_code == 200 and "Zweite Runde im Frühjahr" in read_only.text
    assert "/werkstaetten/" not in read_only.text, "Kernteam members see the list without coach links"
    assert f'href="/w/{workshop.id}/ergebnis"' in read_only.text
    result = await coach_client.get(f"/w/{workshop.id}/ergebnis")
    assert result.status_code == 200
    town = await db.get(Town, UUID(workshop.town_id))
    assert town is not None
    back = f'<li><a href="/staedte/{workshop.town_id}">{town.name}</a></li>'
    assert back in result.text, "back to the town (by its name), not the board"

    other = await make_network(db, "Anderes Netz", towns=("Zwickau",))
    stranger = await make_account(db, Role.coach, other.network)
    coach_client.cookies.clear()
    await sign_in(coach_client, db, settings, stranger)
    assert (await coach_client.get(f"/staedte/{workshop.town_id}/werkstaetten")).status_code == 404
