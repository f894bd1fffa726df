"""Dots, ratings, budgets, caps, idempotent retries and hidden tallies through the JSON API, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.voting.conftest import MATRIX, OPEN_VOTE, VOTE, Room
from werkstatt.voting.models import Vote


async def count_votes(db: AsyncSession, **where: Any) -> int:
    query = select(func.count(Vote.id))
    for name, value in where.items():
        query = query.where(getattr(Vote, name) == value)
    return int((await db.execute(query)).scalar_one())


async def test_dot_vote_counts_remaining_and_answers_201(room: Room) -> None:
    await room.step(VOTE)
    first = await room.vote(0, room.ideas[0])
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["idea_id"] == room.ideas[0]
    assert body["remaining"] == 2
    assert (await room.vote(0, room.ideas[1])).json()["remaining"] == 1
    assert (await room.vote(0, room.ideas[1])).json()["remaining"] == 0


async def test_budget_and_cap_refuse_with_german_problem(room: Room, db: AsyncSession) -> None:
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[0])).status_code == 201
    assert (await room.vote(0, room.ideas[0])).status_code == 201
    capped = await room.vote(0, room.ideas[0])
    assert capped.status_code == 409
    assert "höchstens 2 Punkte" in capped.json()["detail"]
    assert (await room.vote(0, room.ideas[1])).status_code == 201
    spent = await room.vote(0, room.ideas[2])
    assert spent.status_code == 409
    assert "alle 3 Punkte" in spent.json()["detail"]
    assert await count_votes(db) == 3


async def test_take_back_frees_the_dot(room: Room) -> None:
    await room.step(VOTE)
    ids = [(await room.vote(1, idea)).json()["id"] for idea in room.ideas[:3]]
    assert (await room.vote(1, room.ideas[3])).status_code == 409
    assert (await room.unvote(1, ids[1])).status_code == 204
    assert (await room.unvote(1, ids[1])).status_code == 404
    again = await room.vote(1, room.ideas[3])
    assert again.status_code == 201, again.text
    assert again.json()["remaining"] == 0


async def test_others_cannot_take_back_my_dot(room: Room) -> None:
    await room.step(VOTE)
    mine = (await room.vote(0, room.ideas[0])).json()["id"]
    assert (await room.unvote(1, mine)).status_code == 404


async def test_no_votes_outside_a_voting_step(room: Room) -> None:
    refused = await room.vote(0, room.ideas[0])
    assert refused.status_code == 403
    assert refused.json()["detail"] == "In diesem Schritt wird nicht abgestimmt."
    await room.step(VOTE)
    dot = (await room.vote(0, room.ideas[0])).json()["id"]
    await room.step(MATRIX)
    assert (await room.unvote(0, dot)).status_code == 403, "a finished vote step's dots stay"
    assert (await room.vote(0, room.ideas[0])).status_code == 422, "matrix steps need scores"


async def test_no_votes_on_withdrawn_cards_and_dots_come_back(room: Room) -> None:
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[1])).status_code == 201
    withdrawn = await room.client.delete(
        f"{room.base}/ideas/{room.ideas[1]}", headers={"sec-fetch-site": "same-origin"}
    )
    assert withdrawn.status_code == 204, withdrawn.text
    gone = await room.vote(0, room.ideas[1])
    assert gone.status_code == 409
    assert "zurückgezogen" in gone.json()["detail"]
    assert (await room.vote(0, room.ideas[0])).json()["remaining"] == 2, "the dot on the withdrawn card came back"


async def test_unknown_fields_and_bad_ids_are_rejected(room: Room) -> None:
    await room.step(VOTE)
    extra = await room.vote(0, room.ideas[0], votes=10)
    assert extra.status_code == 422
    other = await room.vote(0, "00000000-0000-0000-0000-000000000000")
    assert other.status_code == 404


async def test_idempotent_retry_counts_once(room: Room, db: AsyncSession) -> None:
    await room.step(VOTE)
    first = await room.vote(0, room.ideas[0], key="abc-1")
    again = await room.vote(0, room.ideas[0], key="abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await count_votes(db) == 1
    changed = await room.vote(0, room.ideas[1], key="abc-1")
    assert changed.status_code == 409
    assert await count_votes(db) == 1
    other_guest = await room.vote(1, room.ideas[0], key="abc-1")
    assert other_guest.status_code == 201, "keys are per participant"
    assert await count_votes(db) == 2


async def test_parallel_identical_votes_with_one_key_count_once(room: Room, db: AsyncSession) -> None:
    await room.step(VOTE)
    answers = await asyncio.gather(*(room.vote(2, room.ideas[2], key="same") for _ in range(10)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await count_votes(db) == 1


async def test_parallel_votes_keep_budget_and_cap(room: Room, db: AsyncSession) -> None:
    await room.step(VOTE)
    answers = await asyncio.gather(*(room.vote(0, room.ideas[0]) for _ in range(8)))
    assert sorted(a.status_code for a in answers).count(201) == 2
    answers = await asyncio.gather(*(room.vote(0, room.ideas[i % 4]) for i in range(8)))
    assert await count_votes(db, participant_id=_uuid(room.guests[0]["participant_id"])) == 3


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


async def test_hidden_tallies_stay_hidden_until_reveal(room: Room) -> None:
    await room.step(VOTE)
    for guest in range(3):
        assert (await room.vote(guest, room.ideas[0])).status_code == 201
    seen = await room.results(1)
    assert seen["hidden"] is True
    assert all(i["votes"] is None and i["rank"] is None for i in seen["ideas"])
    coach = await room.results()
    assert {i["id"]: i["votes"] for i in coach["ideas"]}[room.ideas[0]] == 3
    listed = await room.events(1)
    own = room.guests[1]["participant_id"]
    assert [e["data"]["vote"]["author_id"] for e in listed if e["type"] == "vote_cast"] == [own]
    for event in listed:
        assert "tallies" not in event["data"] and "by_group" not in event["data"], event
    revealed = await room.client.post(f"{room.base}/votes/reveal", headers={"sec-fetch-site": "same-origin"})
    assert revealed.status_code == 200, revealed.text
    after = await room.results(1)
    assert after["hidden"] is False
    top = after["ideas"][0]
    assert (top["id"], top["votes"], top["rank"]) == (room.ideas[0], 3, 1)
    assert [i["rank"] for i in after["ideas"][1:]] == [2, 2, 2]
    assert all(i["tie"] for i in after["ideas"][1:])
    assert (
        await room.client.post(f"{room.base}/votes/reveal", headers={"sec-fetch-site": "same-origin"})
    ).status_code == 409


async def test_guests_cannot_reveal(room: Room) -> None:
    from tests.board.conftest import as_guest

    await room.step(VOTE)
    refused = await as_guest(room.client, "POST", f"{room.base}/votes/reveal", room.guests[0]["token"])
    assert refused.status_code == 403


async def test_matrix_ratings_average_and_replace(room: Room) -> None:
    await room.step(MATRIX)
    assert (await room.vote(0, room.ideas[0], score_x=2, score_y=5)).status_code == 201
    assert (await room.vote(1, room.ideas[0], score_x=4, score_y=3)).status_code == 201
    replaced = await room.vote(1, room.ideas[0], score_x=4, score_y=5)
    assert replaced.status_code == 201
    out_of_scale = await room.vote(1, room.ideas[0], score_x=6, score_y=1)
    assert out_of_scale.status_code == 422
    found = {i["id"]: i for i in (await room.results(2))["ideas"]}
    assert (found[room.ideas[0]]["score_x"], found[room.ideas[0]]["score_y"]) == (3.0, 5.0)


async def test_open_vote_step_shows_tallies_at_once_and_coach_fixes_order(room: Room) -> None:
    await room.step(VOTE)
    assert (
        await room.client.post(f"{room.base}/votes/reveal", headers={"sec-fetch-site": "same-origin"})
    ).status_code == 200
    await room.step(OPEN_VOTE)
    await room.vote(0, room.ideas[3])
    await room.vote(1, room.ideas[3])
    await room.vote(2, room.ideas[2])
    found = (await room.results(0))["ideas"]
    assert [(i["id"], i["votes"], i["rank"]) for i in found[:2]] == [(room.ideas[3], 2, 1), (room.ideas[2], 1, 2)]
    fixed = await room.client.post(
        f"{room.base}/ranking",
        json={"idea_ids": [room.ideas[2], room.ideas[3]]},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert fixed.status_code == 200, fixed.text
    found = (await room.results(0))["ideas"]
    assert [(i["id"], i["rank"], i["fixed"]) for i in found[:2]] == [(room.ideas[2], 1, True), (room.ideas[3], 2, True)]
