"""After the close no page offers the way in: the projector, the coach's board and a phone's board show no join
code, and the join page of a closed workshop says so in German instead of asking for a name."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, join, start
from tests.html import parse

CLOSED = (
    "Diese Werkstatt ist schon beendet: Beitreten ist nicht mehr möglich. Das Ergebnis erhalten Sie von der Moderation."
)


async def _close(client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    response = await client.post(
        f"/api/workshops/{workshop.id}/commands", json={"type": "close"}, headers={"sec-fetch-site": "same-origin"}
    )
    assert response.status_code == 200, response.text


async def test_the_join_code_is_shown_until_the_close_and_nowhere_after(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Hanna")
    before = parse((await coach_client.get(f"/w/{workshop.id}/beamer")).text)
    assert before.select_one("#projector-join .join-code").get_text(strip=True) == workshop.code
    assert workshop.code in parse((await coach_client.get(f"/w/{workshop.id}")).text).select_one("#coach-join").text

    await _close(coach_client, workshop)
    projector = parse((await coach_client.get(f"/w/{workshop.id}/beamer")).text)
    assert projector.select_one("#beamer-closing") is not None
    assert projector.select_one("#projector-join") is None and workshop.code not in projector.get_text()
    coach = parse((await coach_client.get(f"/w/{workshop.id}")).text)
    assert coach.select_one("#coach-join") is None and workshop.code not in coach.select_one("#board").get_text()
    phone = await as_guest(coach_client, "GET", f"/w/{workshop.id}", guest["token"])
    assert phone.status_code == 200 and workshop.code not in parse(phone.text).get_text()


async def test_joining_a_closed_workshop_says_so(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    await _close(coach_client, workshop)
    page = await as_guest(coach_client, "GET", f"/beitreten/{workshop.code}", None)
    assert parse(page.text).select_one("#join-closed").get_text(strip=True) == CLOSED
    assert parse(page.text).select_one("form.join-form") is None
    api = await as_guest(coach_client, "POST", "/api/join", None, json={"code": workshop.code, "display_name": "Spät"})
    assert api.status_code == 422 and api.json()["detail"] == CLOSED
