"""One set of card rules: a merged, hidden or withdrawn card is out of voting (German 409), ranking, results
and every export; a card the voter may not see stays 404. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.voting.conftest import VOTE, Room


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
