"""The coach's "Weiter" button: it always names and starts the step after the running one (the first one
before the start) and is gone at the last step and once the workshop is closed; guests never see it."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.board.conftest import AGENDA, LiveWorkshop, as_guest, coach_client, join, start, workshop
from tests.conftest import csrf_headers

__all__ = ["coach_client", "workshop"]


def next_step(html: str) -> str | None:
    if 'id="next-step"' not in html:
        return None
    return html.split('id="next-step"', 1)[1].split("</form>", 1)[0]


async def test_weiter_starts_the_following_step_until_the_last(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    board = f"/w/{workshop.id}"
    before = next_step((await coach_client.get(board)).text)
    assert before is not None and 'name="step" value="0"' in before
    assert "Ersten Schritt starten" in before and f"1. {AGENDA[0]['title']}" in before

    response = await coach_client.post(
        f"{board}/steuerung", data={"type": "start_step", "step": "0"}, headers=await csrf_headers(coach_client)
    )
    assert response.status_code == 200, response.text
    running = next_step((await coach_client.get(board)).text)
    assert running is not None and 'name="step" value="1"' in running
    assert ">Weiter <" in running and f"2. {AGENDA[1]['title']}" in running

    guest = await join(coach_client, workshop.code, "Gast")
    assert next_step((await as_guest(coach_client, "GET", board, guest["token"])).text) is None

    await start(coach_client, workshop, len(AGENDA) - 1)
    assert next_step((await coach_client.get(board)).text) is None, "nothing after the last step"
