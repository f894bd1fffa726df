"""The JSON live API and the event log on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join, start
from werkstatt.board.models import Idea
from werkstatt.live.models import WorkshopEvent


async def test_join_post_and_read_events(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Anna")
    assert guest["workshop_id"] == workshop.id
    posted = await as_guest(
        coach_client,
        "POST",
        f"/api/workshops/{workshop.id}/ideas",
        guest["token"],
        json={"text": "Mehr Bänke am Markt"},
    )
    assert posted.status_code == 201, posted.text
    idea = posted.json()
    assert idea["text"] == "Mehr Bänke am Markt"
    assert idea["author_id"] == guest["participant_id"]
    events = (
        await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events?after=0", guest["token"])
    ).json()
    assert [event["seq"] for event in events] == [1, 2, 3]
    assert [event["type"] for event in events] == ["step_started", "participant_joined", "idea_posted"]
    assert set(events[0]) == {"seq", "type", "at", "data"}
    later = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events?after=2", guest["token"])).json()
    assert [event["seq"] for event in later] == [3]


async def test_seq_is_gap_free_under_concurrent_posts(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    guests = [await join(coach_client, workshop.code, f"Gast {index}") for index in range(5)]

    async def post(guest: dict[str, Any], index: int) -> int:
        response = await as_guest(
            coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": f"Idee {index}"}
        )
        return response.status_code

    statuses = await asyncio.gather(*(post(guests[index % 5], index) for index in range(20)))
    assert statuses == [201] * 20
    seqs = list(
        (
            await db.execute(
                select(WorkshopEvent.seq)
                .where(WorkshopEvent.workshop_id == workshop_uuid(workshop))
                .order_by(WorkshopEvent.seq)
            )
        ).scalars()
    )
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == 1 + 5 + 20


def workshop_uuid(workshop: LiveWorkshop) -> Any:
    import uuid

    return uuid.UUID(workshop.id)


async def test_bad_input_gets_german_problem_and_changes_nothing(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    guest = await join(coach_client, workshop.code, "Bernd")
    url = f"/api/workshops/{workshop.id}/ideas"
    not_started = await as_guest(coach_client, "POST", url, guest["token"], json={"text": "zu früh"})
    assert not_started.status_code == 403
    assert "noch nicht begonnen" in not_started.json()["detail"]
    await start(coach_client, workshop)
    cases = [
        ({"text": ""}, 422),
        ({"text": "x" * 1001}, 422),
        ({"text": "x" * 281}, 422),
        ({"text": "ok", "author_id": "someone"}, 422),
        ({"text": "a\u202eb"}, 422),
        ({"text": "ok", "focus_topic_id": "00000000-0000-0000-0000-000000000000"}, 422),
    ]
    for body, status in cases:
        response = await as_guest(coach_client, "POST", url, guest["token"], json=body)
        assert response.status_code == status, (body, response.text)
        problem = response.json()
        assert problem["status"] == status
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await db.execute(select(func.count(Idea.id)))).scalar_one() == 0
    wrong_code = await coach_client.post("/api/join", json={"code": "ZZZZZZ", "display_name": "X"})
    assert wrong_code.status_code == 422
    assert wrong_code.json()["errors"][0]["field"] == "code"


async def test_guest_cannot_command_and_other_workshop_is_404(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    from tests.board.conftest import plan

    other = await plan(db, workshop.coach, workshop.town_id, "Andere Werkstatt")
    guest = await join(coach_client, workshop.code, "Clara")
    denied = await as_guest(
        coach_client,
        "POST",
        f"/api/workshops/{workshop.id}/commands",
        guest["token"],
        json={"type": "start_step", "step": 0},
    )
    assert denied.status_code == 403
    elsewhere = await as_guest(
        coach_client, "POST", f"/api/workshops/{other.id}/ideas", guest["token"], json={"text": "hallo"}
    )
    assert elsewhere.status_code == 404
    assert (await as_guest(coach_client, "GET", f"/api/workshops/{other.id}/events", guest["token"])).status_code == 404
    events = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", guest["token"])).json()
    assert [event["type"] for event in events] == ["participant_joined"]


async def test_edit_withdraw_and_comment(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    url = f"/api/workshops/{workshop.id}/ideas"
    idea = (await as_guest(coach_client, "POST", url, anna["token"], json={"text": "Wochenmarkt länger"})).json()
    foreign = await as_guest(coach_client, "PATCH", f"{url}/{idea['id']}", bernd["token"], json={"text": "gekapert"})
    assert foreign.status_code == 403
    edited = await as_guest(
        coach_client, "PATCH", f"{url}/{idea['id']}", anna["token"], json={"text": "Wochenmarkt bis 18 Uhr"}
    )
    assert edited.status_code == 200 and edited.json()["text"] == "Wochenmarkt bis 18 Uhr"
    comment = await as_guest(
        coach_client, "POST", f"{url}/{idea['id']}/comments", bernd["token"], json={"text": "Und samstags!"}
    )
    assert comment.status_code == 201
    assert (await as_guest(coach_client, "DELETE", f"{url}/{idea['id']}", anna["token"])).status_code == 204
    ideas = (await as_guest(coach_client, "GET", url, bernd["token"])).json()
    assert ideas == []
    types = [
        e["type"]
        for e in (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", anna["token"])).json()
    ]
    assert types[-3:] == ["idea_edited", "comment_posted", "idea_withdrawn"]


async def test_blind_cards_stay_hidden_from_other_participants(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop, step=1)
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    url = f"/api/workshops/{workshop.id}/ideas"
    await as_guest(coach_client, "POST", url, anna["token"], json={"text": "Geheime Idee"})
    seen_by_bernd = (await as_guest(coach_client, "GET", url, bernd["token"])).json()
    assert [idea["text"] for idea in seen_by_bernd] == [None]
    assert seen_by_bernd[0]["author_id"] is None
    events = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", bernd["token"])).json()
    assert "Geheime Idee" not in str(events)
    assert "Anna" not in str(events)
    seen_by_anna = (await as_guest(coach_client, "GET", url, anna["token"])).json()
    assert [idea["text"] for idea in seen_by_anna] == ["Geheime Idee"]
    seen_by_coach = (await coach_client.get(url)).json()
    assert [idea["text"] for idea in seen_by_coach] == ["Geheime Idee"]
