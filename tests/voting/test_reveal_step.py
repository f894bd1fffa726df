"""A reveal belongs to its vote step: a results step (rank) shows the votes before it, whatever votes come
later; a hidden vote keeps back only its own dots; the results step has the reveal at hand for the coach; and
the projector shows each voting step's working view (the coach can hide its join box)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest
from tests.factories import make_account, make_network
from tests.html import parse
from tests.voting.conftest import SAME_ORIGIN, Room
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

FIRST_VOTE, FIRST_RESULT, LATER_VOTE, LATER_RESULT = 1, 2, 3, 4
AGENDA = [
    {"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}},
    {
        "title": "Punkte vergeben",
        "minutes": 5,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2, "hidden": True}},
    },
    {"title": "Ergebnis zeigen", "minutes": 3, "board": {"mechanic": "rank", "config": {"source": "votes"}}},
    {
        "title": "Noch einmal priorisieren",
        "minutes": 5,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 2, "max_per_item": 1, "hidden": True}},
    },
    {"title": "Schlussrunde", "minutes": 3, "board": {"mechanic": "rank"}},
]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    """Overrides tests.voting.conftest's workshop: two hidden votes, each followed by a results step."""
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    coach = account_snapshot(account)
    data = WorkshopCreate.model_validate(
        {"town_id": str(network.towns[0].id), "title": "Was wird aus dem Markt?", "agenda": AGENDA}
    )
    planned = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


def _votes(found: dict[str, Any]) -> dict[str, Any]:
    return {i["id"]: i["votes"] for i in found["ideas"]}


async def _panel(client: AsyncTestClient[Any], workshop_id: str, projector: bool = False) -> Any:
    answer = await client.get(f"/w/{workshop_id}/stimmen/" + ("?ansicht=beamer" if projector else ""))
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


async def test_the_results_step_reveals_what_it_shows(room: Room) -> None:
    await room.step(FIRST_VOTE)
    for guest in range(3):
        assert (await room.vote(guest, room.ideas[1])).status_code == 201
    assert (await room.vote(0, room.ideas[0])).status_code == 201
    await room.step(FIRST_RESULT)
    covered = await room.results(1)
    assert covered["hidden"] is True and covered["pending"] == [FIRST_VOTE]
    assert all(i["votes"] is None and i["rank"] is None for i in covered["ideas"])
    panel = await _panel(room.client, room.workshop.id)
    assert panel.select_one("#reveal-tallies") is not None, "the coach has the reveal at hand in the results step"

    revealed = await room.command(type="reveal")
    assert revealed.status_code == 200, revealed.text
    event = [e for e in await room.events(1) if e["type"] == "revealed"][-1]
    assert event["data"] == {"step": FIRST_RESULT, "steps": [FIRST_VOTE]}
    shown = await room.results(1)
    assert shown["hidden"] is False and shown["pending"] == []
    assert _votes(shown)[room.ideas[1]] == 3 and shown["ideas"][0]["id"] == room.ideas[1]
    again = await room.command(type="reveal")
    assert again.status_code == 409 and "bereits aufgedeckt" in again.json()["detail"]
    assert (await _panel(room.client, room.workshop.id)).select_one("#reveal-tallies") is None


async def test_a_later_vote_does_not_cover_a_revealed_one(room: Room) -> None:
    await room.step(FIRST_VOTE)
    for guest in range(3):
        assert (await room.vote(guest, room.ideas[2])).status_code == 201
    assert (await room.command(type="reveal")).status_code == 200
    await room.step(FIRST_RESULT)
    shown = await room.results(0)
    assert shown["hidden"] is False and _votes(shown)[room.ideas[2]] == 3
    # The later vote: once it has dots it keeps back only its own; the first vote's dots stay shown.
    await room.step(LATER_VOTE)
    assert (await room.vote(1, room.ideas[3])).status_code == 201
    later = await room.results(0)
    assert later["hidden"] is True and later["pending"] == [LATER_VOTE]
    assert _votes(later)[room.ideas[2]] == 3 and _votes(later)[room.ideas[3]] == 0
    coach = await room.results()
    assert _votes(coach)[room.ideas[3]] == 1, "the coach sees every dot"
    # Back in the first results step (the coach goes back): it shows only the votes before it.
    await room.step(FIRST_RESULT)
    assert (await _panel(room.client, room.workshop.id)).select_one("#reveal-tallies") is None
    projector = await _panel(room.client, room.workshop.id, projector=True)
    assert projector.select_one("#voting-hidden-note") is None


async def test_the_projector_shows_the_result_and_the_coach_hides_the_join_box(room: Room) -> None:
    await room.step(FIRST_VOTE)
    for guest, idea in ((0, 1), (1, 1), (2, 0)):
        assert (await room.vote(guest, room.ideas[idea])).status_code == 201
    page = parse((await room.client.get(f"/w/{room.workshop.id}/beamer")).text)
    assert page.select_one("#beamer-vote #voting-hidden-note") is not None
    assert page.select_one("#beamer-results") is None, "covered until the reveal"
    assert page.select_one(f"#tally-dots-{FIRST_VOTE}").get_text() == "3"
    assert (await room.command(type="reveal")).status_code == 200
    page = parse((await room.client.get(f"/w/{room.workshop.id}/beamer")).text)
    rows = page.select("#beamer-results .beamer-row")
    assert "Wochenmarkt am Abend" in rows[0].get_text() and "2" in rows[0].select_one(".vote-tally").get_text()
    assert rows[0].select_one(".beamer-place").get_text().strip() == "1."
    assert "beamer-share-100" in rows[0].select_one(".beamer-fill")["class"]
    assert "beamer-share-50" in rows[1].select_one(".beamer-fill")["class"]

    join_box = page.select_one("#projector-join")
    assert "is-hidden" not in join_box["class"]
    hidden = await room.command(type="hide_join")
    assert hidden.status_code == 200, hidden.text
    page = parse((await room.client.get(f"/w/{room.workshop.id}/beamer")).text)
    assert "is-hidden" in page.select_one("#projector-join")["class"]
    board = parse((await room.client.get(f"/w/{room.workshop.id}/")).text)
    assert board.select_one("#join-toggle button").get_text() == "Beitritt auf dem Beamer zeigen"
    refused = await room.client.post(
        f"{room.base}/commands", json={"type": "hide_join", "shown": True}, headers=SAME_ORIGIN
    )
    assert refused.status_code == 422, "unknown fields are refused"
    guest = await as_guest(
        room.client, "POST", f"{room.base}/commands", room.guests[0]["token"], json={"type": "show_join"}
    )
    assert guest.status_code == 403
    assert (await room.command(type="show_join")).status_code == 200
    events = [e for e in await room.events() if e["type"] == "join_box_changed"]
    assert [e["data"] for e in events] == [{"shown": False}, {"shown": True}]

    assert (await room.command(type="close")).status_code == 200
    page = parse((await room.client.get(f"/w/{room.workshop.id}/beamer")).text)
    closing = page.select_one("#beamer-closing")
    assert closing is not None and "Vielen Dank" in closing.get_text()
    assert "Wochenmarkt am Abend" in closing.select_one(".beamer-row").get_text()
