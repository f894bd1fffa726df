"""One set of card rules: a merged, hidden or withdrawn card is out of voting (German 409), ranking, results
and every export; a card the voter may not see stays 404. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx

from tests.board.conftest import as_guest
from tests.conftest import csrf_headers
from tests.voting.conftest import SAME_ORIGIN, VOTE, Room


async def _json_export(room: Room) -> dict[str, Any]:
    response = await room.client.get(f"{room.base}/export?format=json")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_merged_duplicate_cannot_be_voted_on_nor_exported(room: Room) -> None:
    merged = await room.command(type="merge_ideas", source_id=room.ideas[1], target_id=room.ideas[0])
    assert merged.status_code == 200, merged.text
    await room.step(VOTE)
    refused = await room.vote(0, room.ideas[1])
    assert refused.status_code == 409, refused.text
    assert "zusammengeführt" in refused.json()["detail"]
    exported = await _json_export(room)
    ids = {idea["id"] for idea in exported["ideas"]}
    assert room.ideas[1] not in ids
    assert ids == {room.ideas[0], room.ideas[2], room.ideas[3]}
    results = await room.results(0)
    assert room.ideas[1] not in {idea["id"] for idea in results["ideas"]}


async def test_votes_on_hidden_or_withdrawn_cards_are_409_and_on_unknown_cards_404(room: Room) -> None:
    hidden = await room.command(type="hide_idea", idea_id=room.ideas[2], reason="Doppelt")
    assert hidden.status_code == 200, hidden.text
    await room.step(VOTE)
    refused = await room.vote(0, room.ideas[2])
    assert refused.status_code == 409
    assert "ausgeblendet" in refused.json()["detail"]
    assert (await room.vote(0, "00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_merged_texts_are_listed_under_the_surviving_card_and_the_merge_can_be_undone(room: Room) -> None:
    source, target = room.ideas[1], room.ideas[0]
    commented = await as_guest(
        room.client, "POST", f"{room.base}/ideas/{source}/comments", room.guests[1]["token"], json={"text": "Ja!"}
    )
    assert commented.status_code == 201, commented.text
    assert (await room.command(type="merge_ideas", source_id=source, target_id=target)).status_code == 200
    merged = {idea["id"]: idea for idea in (await room.results())["ideas"]}
    assert merged[target]["merged"] == [
        {"id": source, "text": "Wochenmarkt am Abend", "number": merged[target]["number"] + 1}
    ]
    exported = {idea["id"]: idea for idea in (await _json_export(room))["ideas"]}
    assert exported[target]["merged"] == ["Wochenmarkt am Abend"]

    undone = await room.command(type="unmerge_idea", idea_id=source)
    assert undone.status_code == 200, undone.text
    back = {idea["id"]: idea for idea in (await room.results())["ideas"]}
    assert source in back and back[target]["merged"] == []
    ideas = await as_guest(room.client, "GET", f"{room.base}/ideas", room.guests[0]["token"])
    cards = {idea["id"]: idea for idea in ideas.json()}
    assert [c["text"] for c in cards[source]["comments"]] == ["Ja!"], "the comment went back where it was written"
    assert cards[target]["comments"] == []
    again = await room.command(type="unmerge_idea", idea_id=source)
    assert again.status_code == 409


async def test_no_undo_once_the_surviving_card_has_votes(room: Room) -> None:
    assert (await room.command(type="merge_ideas", source_id=room.ideas[1], target_id=room.ideas[0])).status_code == 200
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[0])).status_code == 201
    refused = await room.command(type="unmerge_idea", idea_id=room.ideas[1])
    assert refused.status_code == 409
    assert "nicht mehr aufheben" in refused.json()["detail"]


async def test_card_numbers_are_stable_across_hiding_and_the_same_for_every_audience(room: Room) -> None:
    results = {idea["id"]: idea["number"] for idea in (await room.results())["ideas"]}
    assert sorted(results.values()) == [1, 2, 3, 4]
    assert (await room.command(type="hide_idea", idea_id=room.ideas[0], reason="")).status_code == 200
    after = {idea["id"]: idea["number"] for idea in (await room.results(1))["ideas"]}
    assert after == {key: value for key, value in results.items() if key != room.ideas[0]}
    exported = {idea["id"]: idea["number"] for idea in (await _json_export(room))["ideas"]}
    assert exported == after
    page = await room.client.get(f"/w/{room.workshop.id}", headers=SAME_ORIGIN)
    assert f"Nr. {results[room.ideas[3]]}" in page.text


async def test_the_html_board_refuses_a_dot_on_a_merged_card_in_german(room: Room) -> None:
    assert (await room.command(type="merge_ideas", source_id=room.ideas[1], target_id=room.ideas[0])).status_code == 200
    await room.step(VOTE)
    coach_cookies = room.client.cookies
    room.client.cookies = httpx.Cookies()  # a person in their browser
    try:
        headers = await csrf_headers(room.client)
        joined = await room.client.post(
            f"/beitreten/{room.workshop.code}", data={"display_name": "Dora"}, headers=headers
        )
        assert joined.status_code in {200, 303}, joined.text
        answer = await room.client.post(
            f"/w/{room.workshop.id}/stimmen",
            data={"idea_id": room.ideas[1]},
            headers={**headers, "hx-request": "true"},
        )
    finally:
        room.client.cookies = coach_cookies
    assert answer.status_code == 409, answer.text
    assert "zusammengeführt" in answer.text
