"""A closed workshop's board is read-only, and says so in what it offers: a phone's own card has no "Bearbeiten …"
or "Zurückziehen …" any more, and the timer shows no running time."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, join, start
from tests.html import parse

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}


async def _command(client: AsyncTestClient[Any], workshop: LiveWorkshop, **command: Any) -> None:
    response = await client.post(f"/api/workshops/{workshop.id}/commands", json=command, headers=SAME_ORIGIN)
    assert response.status_code == 200, response.text


async def _own_card_buttons(client: AsyncTestClient[Any], workshop: LiveWorkshop, token: str) -> list[str]:
    phone = await as_guest(client, "GET", f"/w/{workshop.id}", token)
    return [b.get_text(strip=True) for b in parse(phone.text).select("article.idea .idea-actions button[data-open]")]


async def test_a_phone_offers_edit_and_withdraw_on_its_own_card_until_the_close(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Hanna")
    posted = await as_guest(
        coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "Mehr Bänke"}
    )
    assert posted.status_code == 201, posted.text
    before = await _own_card_buttons(coach_client, workshop, guest["token"])
    await _command(coach_client, workshop, type="close")
    after = await _own_card_buttons(coach_client, workshop, guest["token"])
    assert (before, after) == (["Bearbeiten …", "Zurückziehen …"], [])


async def test_a_closed_workshops_board_shows_no_running_timer(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    await _command(coach_client, workshop, type="start_timer")
    running = parse((await coach_client.get(f"/w/{workshop.id}")).text).select_one("#timer.is-running")
    await _command(coach_client, workshop, type="close")
    closed = parse((await coach_client.get(f"/w/{workshop.id}")).text).select_one("#timer")
    assert (running is not None, closed) == (True, None)


async def test_a_closed_workshops_board_shows_reaction_counts_but_takes_no_reactions_or_comments(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Hanna")
    posted = await as_guest(
        coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "Mehr Bänke"}
    )
    assert posted.status_code == 201, posted.text

    def offered(html: str) -> tuple[list[bool], bool]:
        page = parse(html)
        buttons = page.select("article.idea form[hx-post=reaktion] button")
        return [b.has_attr("disabled") for b in buttons], page.select_one("template#comment-form") is not None

    live = offered((await as_guest(coach_client, "GET", f"/w/{workshop.id}", guest["token"])).text)
    await _command(coach_client, workshop, type="close")
    closed = offered((await as_guest(coach_client, "GET", f"/w/{workshop.id}", guest["token"])).text)
    assert (live, closed) == (([False] * 3, True), ([True] * 3, False))
