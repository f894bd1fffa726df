"""The board's HTML forms read as models and its pages guarded by permission functions: a refused field changes
nothing and says why; the projector page exists only for the moderation."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, join, start
from tests.conftest import csrf_headers


async def test_a_card_with_a_topic_that_is_no_id_is_refused_and_not_posted(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    headers = {**await csrf_headers(coach_client), "hx-request": "true"}
    refused = await coach_client.post(
        f"/w/{workshop.id}/ideen", data={"text": "Mehr Bänke", "focus_topic_id": "kein-thema"}, headers=headers
    )
    ideas = (await coach_client.get(f"/api/workshops/{workshop.id}/ideas")).json()
    assert (refused.status_code, "Ungültige Auswahl." in refused.text, ideas) == (422, True, [])


async def test_the_projector_page_does_not_exist_for_a_participant(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    guest = await join(coach_client, workshop.code, "Gast")
    response = await as_guest(coach_client, "GET", f"/w/{workshop.id}/beamer", guest["token"])
    assert response.status_code == 404
