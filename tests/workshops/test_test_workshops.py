"""Test workshops (`"test": true`, made by `werkstatt loadtest`): held like any other, but never listed on the
town page or the workshop list and never counted in "erprobt in N"; their coach deletes them, nobody else,
and no other workshop can be deleted."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_account, make_network, sign_in
from tests.html import parse
from tests.workshops.helpers import coach_setup
from tests.workshops.test_api import ORIGIN, body
from werkstatt.board.models import Idea
from werkstatt.catalogue.models import MethodUsage
from werkstatt.live.models import WorkshopEvent
from werkstatt.network.models import Role
from werkstatt.settings import Settings
from werkstatt.workshops.models import Participant, Workshop

HTMX = {"hx-request": "true"}


async def count(db: AsyncSession, model: Any, *where: Any) -> int:
    await db.rollback()  # read what the app committed
    return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


def listed_titles(html: str) -> list[str]:
    return [link.get_text(strip=True) for link in parse(html).select("a[href^='/werkstaetten/']")]


async def test_a_test_workshop_runs_but_counts_nowhere(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    real = (await client.post("/api/workshops", json=body(org, title="Echte Werkstatt"), headers=ORIGIN)).json()
    created = await client.post("/api/workshops", json=body(org, title="Lasttest", test=True), headers=ORIGIN)
    assert created.status_code == 201, created.text
    test = created.json()
    assert test["test"] is True and real["test"] is False
    started = await client.post(
        f"/api/workshops/{test['id']}/commands", json={"type": "start_step", "step": 0}, headers=ORIGIN
    )
    assert started.status_code == 200, started.text
    assert await count(db, MethodUsage) == 0, "a load test does not make a method 'erprobt'"

    town = await client.get(f"/staedte/{org.towns[0].id}/werkstaetten", headers=HTMX)
    assert listed_titles(town.text) == ["Echte Werkstatt"]
    overview = await client.get("/werkstaetten/")
    assert "Echte Werkstatt" in listed_titles(overview.text)
    assert "Lasttest" not in overview.text

    await client.post(f"/api/workshops/{real['id']}/commands", json={"type": "start_step", "step": 0}, headers=ORIGIN)
    assert await count(db, MethodUsage) == 2  # the real one: both of its methods


async def test_only_its_coach_deletes_a_test_workshop_and_nothing_else(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    agenda = [{"title": "Sammeln", "minutes": 5, "board": {"mechanic": "collect"}}]
    real = (await client.post("/api/workshops", json=body(org, agenda=agenda), headers=ORIGIN)).json()
    test = (await client.post("/api/workshops", json=body(org, agenda=agenda, test=True), headers=ORIGIN)).json()
    commands = f"/api/workshops/{test['id']}/commands"
    await client.post(commands, json={"type": "start_step", "step": 0}, headers=ORIGIN)
    guest = (await client.post("/api/join", json={"code": test["join_code"], "display_name": "Gast"})).json()
    as_guest = {"authorization": f"Bearer {guest['token']}"}
    cookies = client.cookies
    client.cookies = type(cookies)()
    posted = await client.post(f"/api/workshops/{test['id']}/ideas", json={"text": "Bänke"}, headers=as_guest)
    assert posted.status_code == 201
    assert (await client.delete(f"/api/workshops/{test['id']}", headers=as_guest)).status_code == 404
    assert (await client.delete(f"/api/workshops/{test['id']}")).status_code == 401
    other = await make_network(db, towns=("Olbernhau",))
    await sign_in(client, db, settings, await make_account(db, Role.coach, other.network))
    assert (await client.delete(f"/api/workshops/{test['id']}", headers=ORIGIN)).status_code == 404
    assert await count(db, Workshop) == 2

    await sign_in(client, db, settings, account)
    refused = await client.delete(f"/api/workshops/{real['id']}", headers=ORIGIN)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Nur Test-Werkstätten (werkstatt loadtest) lassen sich löschen."
    cross_site = await client.delete(f"/api/workshops/{test['id']}")
    assert cross_site.status_code == 403
    deleted = await client.delete(f"/api/workshops/{test['id']}", headers=ORIGIN)
    assert deleted.status_code == 204
    assert await count(db, Workshop) == 1
    for model in (Participant, Idea, WorkshopEvent):
        assert await count(db, model, model.workshop_id == test["id"]) == 0
    assert (await client.get(f"/api/workshops/{test['id']}")).status_code == 404
    assert (await client.get(f"/api/workshops/{real['id']}")).status_code == 200
