"""POST /api/workshops and GET /api/workshops/{id} per API.md."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_account, make_network, sign_in
from tests.workshops.helpers import coach_setup, new_workshop
from werkstatt.catalogue.models import MethodUsage
from werkstatt.network.models import Role
from werkstatt.settings import Settings
from werkstatt.workshops.models import Workshop
from werkstatt.workshops.schemas import JoinIn
from werkstatt.workshops.service import join_workshop

ORIGIN = {"origin": "http://testserver.local"}


def body(org: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "town_id": str(org.towns[0].id),
        "title": "Leerstand neu denken",
        "format": "werkstatt-gespraech",
        "starts_at": "2031-05-05T16:00:00Z",
        "focus_topic_ids": [str(org.topics[0].id)],
        "target_groups": ["familien"],
        "agenda": [
            {
                "method_slug": "kartenabfrage",
                "title": "Was stört?",
                "minutes": 20,
                "board": {"mechanic": "collect", "config": {"blind": True}},
            },
            {"title": "Pause", "minutes": 10, "board": {"mechanic": "timer", "config": {}}},
            {
                "method_slug": "mehrpunktabfrage",
                "title": "Punkten",
                "minutes": 15,
                "board": {"mechanic": "vote", "config": {"dots_per_person": 3}},
            },
        ],
    }
    data.update(overrides)
    return data


async def workshops(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(Workshop))).scalar_one())


async def test_a_step_naming_a_method_without_a_board_takes_the_methods_board(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    agenda = [
        {"method_slug": "mehrpunktabfrage", "title": "Punkten", "minutes": 15},
        {"method_slug": "mehrpunktabfrage", "title": "Reden", "minutes": 5, "board": {"mechanic": "discuss"}},
        {"title": "Ohne Methode", "minutes": 5},
    ]
    response = await client.post("/api/workshops", json=body(org, agenda=agenda), headers=ORIGIN)
    assert response.status_code == 201, response.text
    boards = [step["board"] for step in response.json()["agenda"]]
    assert boards[0]["mechanic"] == "vote"  # the method's dots, not a discussion
    assert (boards[0]["config"]["dots_per_person"], boards[0]["config"]["max_per_item"]) == (3, 2)
    assert [board["mechanic"] for board in boards[1:]] == ["discuss", "discuss"]  # as given; the default


async def test_create_and_read_as_coach(client: AsyncTestClient[Any], db: AsyncSession, settings: Settings) -> None:
    org, _account = await coach_setup(client, db, settings)
    response = await client.post("/api/workshops", json=body(org), headers=ORIGIN)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) >= {"id", "join_code", "join_url", "agenda", "state", "current_step"}
    assert created["join_url"] == f"http://testserver.local/beitreten/{created['join_code']}"
    assert created["state"] == "planned" and created["current_step"] is None
    assert [step["position"] for step in created["agenda"]] == [0, 1, 2]
    assert created["agenda"][0] == {
        "position": 0,
        "method_slug": "kartenabfrage",
        "title": "Was stört?",
        "minutes": 20,
        "board": {
            "mechanic": "collect",
            "config": {
                "blind": True,
                "anonymous": False,
                "max_cards_per_person": None,
                "max_length": 280,
                "coach_only": False,
            },
        },
        "instructions": "",
        "question": "",
        "facilitator_notes": "",  # the coach's view only (a participant's has no such key)
    }
    assert created["planned_minutes"] == 45  # none given: the agenda's sum

    async def used() -> int:
        await db.rollback()  # read what the app committed
        return int((await db.execute(select(func.count()).select_from(MethodUsage))).scalar_one())

    assert await used() == 0, "planning alone does not make a method 'erprobt'"

    read = await client.get(f"/api/workshops/{created['id']}")
    assert read.status_code == 200
    assert read.json()["agenda"] == created["agenda"]
    assert read.json()["title"] == "Leerstand neu denken"
    commands = f"/api/workshops/{created['id']}/commands"
    for position in (0, 2, 0):
        started = await client.post(commands, json={"type": "start_step", "step": position}, headers=ORIGIN)
        assert started.status_code == 200, started.text
    assert await used() == 2  # held: "erprobt in N Werkstätten" counts both methods, once each


async def test_bad_input_gives_german_problems_and_stores_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    cases: list[tuple[dict[str, Any], str]] = [
        (body(org, title=""), "title"),
        (body(org, colour="rot"), "colour"),
        (body(org, format="party"), "format"),
        (body(org, agenda=[{"title": "x", "minutes": 0}]), "agenda"),
        (
            body(org, agenda=[{"title": "x", "minutes": 5, "board": {"mechanic": "vote", "config": {"dots": 3}}}]),
            "agenda",
        ),
        (body(org, agenda=[{"method_slug": "gibt-es-nicht", "title": "x", "minutes": 5}]), "agenda.0.method_slug"),
        (body(org, target_groups=["erfunden"]), "target_groups"),
    ]
    for payload, field in cases:
        response = await client.post("/api/workshops", json=payload, headers=ORIGIN)
        assert response.status_code == 422, (field, response.text)
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["status"] == 422 and problem["title"] == "Eingabe ungültig"
        fields = {item["field"] for item in problem.get("errors", [])}
        assert any(name.startswith(field) for name in fields), (field, problem)
    assert await workshops(db) == 0


async def test_other_network_town_and_roles(client: AsyncTestClient[Any], db: AsyncSession, settings: Settings) -> None:
    org, _account = await coach_setup(client, db, settings)
    other = await make_network(db, towns=("Marienberg",))
    response = await client.post("/api/workshops", json=body(org, town_id=str(other.towns[0].id)), headers=ORIGIN)
    assert response.status_code == 404
    member = await make_account(db, Role.kernteam, org.network)
    await sign_in(client, db, settings, member)
    response = await client.post("/api/workshops", json=body(org), headers=ORIGIN)
    assert response.status_code == 403
    client.cookies.clear()
    response = await client.post("/api/workshops", json=body(org), headers=ORIGIN)
    assert response.status_code == 401
    assert await workshops(db) == 0


async def test_cookie_post_needs_same_origin(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    forged = await client.post("/api/workshops", json=body(org), headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    no_origin = await client.post("/api/workshops", json=body(org))
    assert no_origin.status_code == 403
    assert await workshops(db) == 0
    same_site = await client.post("/api/workshops", json=body(org), headers={"sec-fetch-site": "same-origin"})
    assert same_site.status_code == 201


async def test_participant_reads_and_other_coach_gets_404(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, agenda=[{"title": "Begrüßung", "minutes": 5}])
    _w, participant, token, _event = await join_workshop(db, JoinIn(code=workshop.join_code, display_name="Mia"), None)
    await db.commit()
    client.cookies.clear()
    anonymous = await client.get(f"/api/workshops/{workshop.id}")
    assert anonymous.status_code == 401  # API.md: no credentials at all is 401; credentials that do not reach it 404
    guest = await client.get(f"/api/workshops/{workshop.id}", headers={"authorization": f"Bearer {token}"})
    assert guest.status_code == 200
    assert guest.json()["agenda"][0]["title"] == "Begrüßung"
    assert participant.id is not None

    other = await make_network(db, towns=("Olbernhau",))
    stranger = await make_account(db, Role.coach, other.network)
    await sign_in(client, db, settings, stranger)
    assert (await client.get(f"/api/workshops/{workshop.id}")).status_code == 404
