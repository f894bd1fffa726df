"""The moderation's notes of a step are on the coach's board only: never on a guest's page or the projector,
never in a guest's JSON (workshop, events, ideas) and never in what the websocket sends to guests, while the
coach's board shows them by the step and the coach's pushed boards carry them."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join, start
from tests.board.test_push import ORIGIN, command, until_seq
from tests.factories import make_account, make_network
from tests.html import parse
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

NOTE = "Hinweis-7731: erst nach fünf Minuten an die Zeit erinnern"
LATER = "Hinweis-4410: Dubletten vor dem Punkten zusammenführen"
AGENDA = [
    {
        "title": "Was stört?",
        "minutes": 10,
        "instructions": "Schreiben Sie je Karte einen Gedanken.",
        "facilitator_notes": NOTE,
        "board": {"mechanic": "collect"},
    },
    {
        "title": "Gespräch",
        "minutes": 10,
        "instructions": "Was fällt Ihnen auf?",
        "facilitator_notes": LATER,
        "board": {"mechanic": "discuss"},
    },
]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    coach = account_snapshot(await make_account(db, Role.coach, network.network))
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Abend", "agenda": AGENDA})
    planned = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


async def test_the_coach_board_shows_the_notes_by_the_step(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    page = parse((await coach_client.get(f"/w/{workshop.id}")).text)
    box = page.select_one(".step-details #step-notes")
    assert box is not None
    assert box.select_one("h3").get_text(" ", strip=True) == "Hinweise für die Moderation nur für Sie"
    assert NOTE in box.get_text()
    assert "Schreiben Sie je Karte einen Gedanken." in page.select_one("#step-texts").get_text()


async def test_a_guest_s_page_and_the_projector_never_show_the_notes(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Anna")
    phone = await as_guest(coach_client, "GET", f"/w/{workshop.id}", guest["token"])
    assert phone.status_code == 200
    assert "Schreiben Sie je Karte einen Gedanken." in phone.text
    assert "Hinweis-" not in phone.text and 'id="step-notes"' not in phone.text
    fragment = await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", guest["token"])
    assert fragment.status_code == 200 and "Hinweis-" not in fragment.text
    projector = await coach_client.get(f"/w/{workshop.id}/beamer")
    assert projector.status_code == 200 and "Hinweis-" not in projector.text


async def test_a_guest_s_json_never_carries_the_notes(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Anna")
    await start(coach_client, workshop, 1)
    base = f"/api/workshops/{workshop.id}"
    for url in (base, f"{base}/events?after=0", f"{base}/ideas"):
        answer = await as_guest(coach_client, "GET", url, guest["token"])
        assert answer.status_code == 200, url
        assert "Hinweis-" not in answer.text and "facilitator_notes" not in answer.text, url
    events = (await as_guest(coach_client, "GET", f"{base}/events?after=0", guest["token"])).json()
    assert [event["data"]["step"]["title"] for event in events if event["type"] == "step_started"] == [
        "Was stört?",
        "Gespräch",
    ]


async def test_the_websocket_pushes_the_notes_to_the_coach_only(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    anna = await join(coach_client, workshop.code, "Anna")
    live = f"/w/{workshop.id}/live"
    with ExitStack() as stack:
        coach = stack.enter_context(await coach_client.websocket_connect(f"{live}?after=-1", headers=ORIGIN))
        beamer = stack.enter_context(
            await coach_client.websocket_connect(f"{live}?after=-1&view=projector", headers=ORIGIN)
        )
        cookies = coach_client.cookies
        coach_client.cookies = type(cookies)()
        phone = stack.enter_context(
            await coach_client.websocket_connect(f"{live}?after=-1", headers=bearer(anna["token"]))
        )
        api = stack.enter_context(
            await coach_client.websocket_connect(
                f"/api/workshops/{workshop.id}/live?after=-1", headers=bearer(anna["token"])
            )
        )
        coach_client.cookies = cookies
        sockets = {"coach": coach, "projector": beamer, "phone": phone, "api": api}
        for socket in sockets.values():
            socket.receive_text(timeout=5)  # the fresh board (resync) of a new socket

        seq = await command(coach_client, workshop, type="start_step", step=1)
        seq = await command(coach_client, workshop, type="edit_step", question="Was fällt auf?", instructions="Neu.")
        got = {name: "".join(until_seq(socket, seq)) for name, socket in sockets.items() if name != "api"}
        received = []
        while not received or f'"seq":{seq}' not in received[-1]:
            received.append(api.receive_text(timeout=5))
        got["api"] = "".join(received)

    assert LATER in got["coach"] and 'id="step-notes"' in got["coach"]
    for name in ("projector", "phone", "api"):
        assert "Hinweis-" not in got[name] and "facilitator_notes" not in got[name], name
        assert "Gespräch" in got[name], name
