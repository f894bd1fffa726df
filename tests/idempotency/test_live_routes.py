"""`Idempotency-Key` on the live board's routes: a repeat gives the first answer (same status) with no second
effect and no second event; another body or another route with the same key is 409; bad keys are 422; keys
are per principal; ten parallel identical requests have one effect (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import as_guest
from tests.idempotency.conftest import SAME_ORIGIN, Room, count, key, last_seq, problem_fields
from werkstatt.board.models import Idea
from werkstatt.idempotency import ApiRequest
from werkstatt.live.models import WorkshopEvent
from werkstatt.results.models import ProjectIdea


async def post_idea(room: Room, guest: int, text: str, idempotency_key: str | None = None) -> Any:
    headers = key(idempotency_key) if idempotency_key is not None else {}
    token = room.guests[guest]["token"]
    return await as_guest(room.client, "POST", f"{room.base}/ideas", token, json={"text": text}, headers=headers)


async def test_a_retried_idea_is_posted_once(room: Room, db: AsyncSession, published: list[WorkshopEvent]) -> None:
    ideas, seq = await count(db, Idea), await last_seq(db, room.workshop.id)
    first = await post_idea(room, 0, "Sitzbänke am Brunnen", "karte-1")
    again = await post_idea(room, 0, "Sitzbänke am Brunnen", "karte-1")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await count(db, Idea) == ideas + 1
    assert await last_seq(db, room.workshop.id) == seq + 1, "the replay records no event"
    assert [event.type for event in published] == ["idea_posted"], "the replay publishes nothing"

    other = await post_idea(room, 0, "Etwas anderes", "karte-1")
    assert other.status_code == 409
    assert other.json()["detail"] == "Dieser Idempotency-Key wurde schon für eine andere Anfrage verwendet."
    assert problem_fields(other) == {"Idempotency-Key": "Schon mit anderem Inhalt verwendet."}
    assert await count(db, Idea) == ideas + 1
    assert await last_seq(db, room.workshop.id) == seq + 1


async def test_the_same_key_on_another_route_is_a_conflict(room: Room, db: AsyncSession) -> None:
    posted = await post_idea(room, 1, "Mehr Grün", "k")
    assert posted.status_code == 201
    token = room.guests[1]["token"]
    url = f"{room.base}/ideas/{posted.json()['id']}"
    edit = await as_guest(room.client, "PATCH", url, token, json={"text": "Mehr Grün"}, headers=key("k"))
    assert edit.status_code == 409, "same body, but another method and path"
    assert problem_fields(edit) == {"Idempotency-Key": "Schon mit anderem Inhalt verwendet."}


async def test_bad_keys_are_refused_with_422(room: Room, db: AsyncSession) -> None:
    ideas = await count(db, Idea)
    for bad in ("x" * 201, "tab\there", "", "bell\x07"):
        response = await post_idea(room, 0, "Unerwünscht", bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["detail"] == "Ungültiger Idempotency-Key."
        assert problem_fields(response) == {"Idempotency-Key": "1 bis 200 druckbare Zeichen."}
    assert (await post_idea(room, 0, "Genau richtig", "x" * 200)).status_code == 201
    assert await count(db, Idea) == ideas + 1


async def test_keys_belong_to_one_principal(room: Room, db: AsyncSession) -> None:
    ideas = await count(db, Idea)
    anna = await post_idea(room, 0, "Trinkbrunnen", "gemeinsamer-schluessel")
    bert = await post_idea(room, 1, "Trinkbrunnen", "gemeinsamer-schluessel")
    assert anna.status_code == bert.status_code == 201
    assert anna.json()["id"] != bert.json()["id"]
    coach = await room.client.post(
        f"{room.base}/ideas", json={"text": "Trinkbrunnen"}, headers={**SAME_ORIGIN, **key("gemeinsamer-schluessel")}
    )
    assert coach.status_code == 201, coach.text
    assert coach.json()["id"] not in {anna.json()["id"], bert.json()["id"]}
    assert await count(db, Idea) == ideas + 3


async def test_a_retried_command_starts_the_step_once(
    room: Room, db: AsyncSession, published: list[WorkshopEvent]
) -> None:
    seq = await last_seq(db, room.workshop.id)
    headers = {**SAME_ORIGIN, **key("schritt-2")}
    body = {"type": "start_step", "step": 2}
    first = await room.client.post(f"{room.base}/commands", json=body, headers=headers)
    again = await room.client.post(f"{room.base}/commands", json=body, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json() == {"seq": seq + 1}
    assert await last_seq(db, room.workshop.id) == seq + 1
    assert [event.type for event in published] == ["step_started"]
    other = await room.client.post(f"{room.base}/commands", json={"type": "start_step", "step": 1}, headers=headers)
    assert other.status_code == 409


async def test_a_retried_withdrawal_replays_204(room: Room, db: AsyncSession, published: list[WorkshopEvent]) -> None:
    token, idea = room.guests[0]["token"], room.ideas[0]  # guest 0 posted the first card
    seq = await last_seq(db, room.workshop.id)
    url = f"{room.base}/ideas/{idea}"
    first = await as_guest(room.client, "DELETE", url, token, headers=key("weg-damit"))
    again = await as_guest(room.client, "DELETE", url, token, headers=key("weg-damit"))
    assert first.status_code == again.status_code == 204
    assert again.content == b""
    assert await last_seq(db, room.workshop.id) == seq + 1
    assert [event.type for event in published] == ["idea_withdrawn"]
    without_key = await as_guest(room.client, "DELETE", url, token)
    assert without_key.status_code in {404, 409}, "without a key the second DELETE is a new request"


async def test_a_retried_project_idea_is_made_once(room: Room, db: AsyncSession) -> None:
    seq = await last_seq(db, room.workshop.id)
    body = {"title": "Abendmarkt im Sommer", "idea_ids": [room.ideas[1]]}
    headers = {**SAME_ORIGIN, **key("projekt")}
    first = await room.client.post(f"{room.base}/project-ideas", json=body, headers=headers)
    again = await room.client.post(f"{room.base}/project-ideas", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await count(db, ProjectIdea) == 1
    assert await last_seq(db, room.workshop.id) == seq + 1
    changed = await room.client.post(
        f"{room.base}/project-ideas", json={**body, "title": "Abendmarkt"}, headers=headers
    )
    assert changed.status_code == 409
    assert await count(db, ProjectIdea) == 1


async def test_a_retried_vote_and_reveal_count_once(room: Room, db: AsyncSession) -> None:
    from tests.voting.conftest import VOTE
    from werkstatt.voting.models import Vote

    await room.step(VOTE)
    first = await room.vote(0, room.ideas[0], key="punkt")
    again = await room.vote(0, room.ideas[0], key="punkt")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await count(db, Vote) == 1
    seq = await last_seq(db, room.workshop.id)
    headers = {**SAME_ORIGIN, **key("aufdecken")}
    reveal = await room.client.post(f"{room.base}/votes/reveal", headers=headers)
    replay = await room.client.post(f"{room.base}/votes/reveal", headers=headers)
    assert reveal.status_code == replay.status_code == 200, replay.text
    assert replay.json() == reveal.json()
    unkeyed = await room.client.post(f"{room.base}/votes/reveal", headers=SAME_ORIGIN)
    assert unkeyed.status_code == 409, "without the key a second reveal is refused as already done"
    assert await last_seq(db, room.workshop.id) >= seq + 1


async def test_a_failed_request_leaves_its_key_free(room: Room, db: AsyncSession) -> None:
    token = room.guests[2]["token"]
    url = f"{room.base}/ideas/{room.ideas[0]}"  # guest 0's card: guest 2 may not edit it
    refused = await as_guest(room.client, "PATCH", url, token, json={"text": "Meins"}, headers=key("versuch"))
    assert refused.status_code in {403, 404}
    assert await count(db, ApiRequest) == 0
    posted = await post_idea(room, 2, "Meins", "versuch")
    assert posted.status_code == 201, "errors are not stored: the key can be used again"


async def test_parallel_identical_requests_have_one_effect(
    room: Room, db: AsyncSession, published: list[WorkshopEvent]
) -> None:
    ideas, seq = await count(db, Idea), await last_seq(db, room.workshop.id)
    answers = await asyncio.gather(*(post_idea(room, 2, "Schnell geklickt", "ein-klick") for _ in range(10)))
    assert {answer.status_code for answer in answers} == {201}, [a.text for a in answers if a.status_code != 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await count(db, Idea) == ideas + 1
    assert await last_seq(db, room.workshop.id) == seq + 1
    assert [event.type for event in published] == ["idea_posted"]
    stored = (await db.execute(select(ApiRequest))).scalars().all()
    participant = UUID(room.guests[2]["participant_id"])
    assert [(row.principal, row.key, row.status) for row in stored] == [
        (f"participant:{participant}", "ein-klick", 201)
    ]


async def test_events_in_the_log_match_the_effects(room: Room, db: AsyncSession) -> None:
    before = await count(db, WorkshopEvent)
    for _ in range(3):
        assert (await post_idea(room, 1, "Leerstand als Atelier", "atelier")).status_code == 201
    assert await count(db, WorkshopEvent) == before + 1


async def test_a_replay_answers_with_the_first_answers_bytes(room: Room, db: AsyncSession) -> None:
    """On PostgreSQL the stored answer sits in JSONB, which orders an object's keys its own way: the answer is
    stored as its JSON text, so the replay's bytes are the first answer's bytes (issue 15)."""
    first = await post_idea(room, 2, "Trinkbrunnen am Markt", "bytes-1")
    again = await post_idea(room, 2, "Trinkbrunnen am Markt", "bytes-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    token = room.guests[0]["token"]
    await room.step(1)
    vote = {"idea_id": room.ideas[1]}
    cast = await as_guest(room.client, "POST", f"{room.base}/votes", token, json=vote, headers=key("bytes-2"))
    recast = await as_guest(room.client, "POST", f"{room.base}/votes", token, json=vote, headers=key("bytes-2"))
    assert (cast.status_code, recast.status_code) == (201, 201), recast.text
    assert recast.content == cast.content
