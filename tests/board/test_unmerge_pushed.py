"""Undoing a merge, live: the coach's websocket command `unmerge_idea` is acknowledged; a guest's HTML board
gets the surviving card swapped in and the duplicate put back (with its number), a guest's JSON socket the
event with the duplicate's card, all without a fetch."""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, bearer, join, start
from tests.board.test_push import ORIGIN, command, no_pulls, post, until_seq
from tests.board.test_websocket import receive_json


async def test_unmerge_over_the_websocket_is_pushed_to_every_board(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    anna = await join(coach_client, workshop.code, "Anna")
    kept = await post(coach_client, workshop, anna["token"], "Mehr Bänke am Markt")
    duplicate = await post(coach_client, workshop, anna["token"], "Bänke, bitte!")
    merged_seq = await command(coach_client, workshop, type="merge_ideas", source_id=duplicate, target_id=kept)
    board = await coach_client.get(f"/w/{workshop.id}")
    assert "Bänke, bitte!" in board.text and "unmerge_idea" in board.text, "the absorbed text under the card"
    with ExitStack() as stack:
        guest_html = stack.enter_context(
            await coach_client.websocket_connect(
                f"/w/{workshop.id}/live?after={merged_seq}", headers={**ORIGIN, **bearer(anna["token"])}
            )
        )
        guest_json = stack.enter_context(
            await coach_client.websocket_connect(
                f"/api/workshops/{workshop.id}/live?after={merged_seq}", headers=bearer(anna["token"])
            )
        )
        coach = stack.enter_context(
            await coach_client.websocket_connect(
                f"/api/workshops/{workshop.id}/live?after={merged_seq}", headers=ORIGIN
            )
        )
        coach.send_text(json.dumps({"type": "unmerge_idea", "idea_id": duplicate}))
        ack = receive_json(coach)
        while ack.get("type") != "ack":
            ack = receive_json(coach)
        seq = int(ack["seq"])
        html = until_seq(guest_html, seq)
        no_pulls(html)
        pushed = html[-1]
        assert f'id="idea-{kept}"' in pushed and f'id="idea-{duplicate}"' in pushed
        assert 'data-op="place"' in pushed and "Nr. 2" in pushed
        event = receive_json(guest_json)
        assert event["type"] == "idea_unmerged" and event["seq"] == seq
        assert event["data"]["source_idea"]["id"] == duplicate
        assert event["data"]["idea"]["merged"] == []
    again = await coach_client.post(
        f"/api/workshops/{workshop.id}/commands",
        json={"type": "unmerge_idea", "idea_id": duplicate},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert again.status_code == 409
    assert "keiner anderen zusammengeführt" in again.json()["detail"]
