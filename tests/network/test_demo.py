"""The demo network is believable and loading it twice changes nothing."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import sign_in
from werkstatt.board.models import Idea
from werkstatt.demo import TOPICS, load_demo
from werkstatt.demo_workshops import FINISHED, GUESTS, PLANNED
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
from werkstatt.network.topics import TARGET_GROUPS
from werkstatt.results.models import ProjectIdea
from werkstatt.settings import Settings
from werkstatt.voting.models import Vote
from werkstatt.workshops.models import AgendaStep, Workshop, WorkshopState


async def counts(db: AsyncSession) -> list[int]:
    await db.commit()
    models = (
        Network,
        Town,
        FocusTopic,
        TargetGroup,
        KernteamMember,
        TownFocusTopic,
        Account,
        Workshop,
        Idea,
        Vote,
        ProjectIdea,
    )
    return [int(await db.scalar(select(func.count()).select_from(model)) or 0) for model in models]


async def test_demo_network_is_complete_and_idempotent(db: AsyncSession, settings: Settings) -> None:
    lines = await load_demo(settings)
    assert "Demo-Coach: coach@werkstatt.example / werkstatt-demo" in lines
    first = await counts(db)
    assert first[:4] == [1, 7, len(TOPICS), len(TARGET_GROUPS)]
    assert first[7:] == [2, len(GUESTS), sum(len(g.dots) + (g.rating is not None) for g in GUESTS), 2]
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


async def test_demo_workshops_show_a_finished_result_and_a_planned_focus_group(
    db: AsyncSession, settings: Settings
) -> None:
    await load_demo(settings)
    states = dict((await db.execute(select(Workshop.title, Workshop.state))).all())
    assert states == {FINISHED: WorkshopState.closed, PLANNED: WorkshopState.planned}
    owned = (
        await db.execute(
            select(ProjectIdea.title, KernteamMember.display_name).join(
                KernteamMember, KernteamMember.id == ProjectIdea.owner_id
            )
        )
    ).all()
    assert owned == [("Pop-up-Läden in der Buchholzer Straße", "Sabine Lorenz")]
    planned = (await db.execute(select(Workshop).where(Workshop.title == PLANNED))).scalar_one()
    steps = (
        await db.execute(select(func.sum(AgendaStep.minutes)).where(AgendaStep.workshop_id == planned.id))
    ).scalar()
    assert planned.planned_minutes == steps, "the planned focus group opens without a 'too long' warning"


async def test_demo_result_asks_the_coach_to_rate_the_methods_by_name(
    db: AsyncSession, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    await load_demo(settings)
    coach = (await db.execute(select(Account).where(Account.email == "coach@werkstatt.example"))).scalar_one()
    finished = (await db.execute(select(Workshop.id).where(Workshop.title == FINISHED))).scalar_one()
    await sign_in(client, db, settings, coach)
    page = await client.get(f"/w/{finished}/ergebnis")
    assert page.status_code == 200, page.text
    ratings = page.text.split('id="method-ratings"', 1)[1].split("</ul>", 1)[0]
    assert (
        f'href="/methoden/kartenabfrage?werkstatt={finished}#bewertungen">„Kartenabfrage (Metaplan)“ bewerten</a>'
        in ratings
    )
    assert "„kartenabfrage“" not in ratings, "the method's name, not its slug"
