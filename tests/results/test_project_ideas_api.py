"""Project ideas from cards: owner from the town's Kernteam, focus topics, next steps, status path, results API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import as_guest
from tests.voting.conftest import OPEN_VOTE, SAME_ORIGIN, Room
from werkstatt.network.models import FocusTopic, KernteamMember


async def test_coach_turns_cards_into_a_project_idea(room: Room, db: AsyncSession) -> None:
    await room.step(OPEN_VOTE)
    await room.vote(0, room.ideas[1])
    member = (
        (
            await db.execute(
                select(KernteamMember).where(KernteamMember.town_id == __import__("uuid").UUID(room.workshop.town_id))
            )
        )
        .scalars()
        .first()
    )
    topic = (await db.execute(select(FocusTopic))).scalars().first()
    assert member is not None and topic is not None
    body = {
        "title": "Abendmarkt im Sommer",
        "description": "Freitags bis 22 Uhr",
        "idea_ids": [room.ideas[1]],
        "focus_topic_ids": [str(topic.id)],
        "owner_id": str(member.id),
        "next_steps": [{"text": "Marktamt fragen", "due_on": "2027-01-15"}],
    }
    refused = await as_guest(room.client, "POST", f"{room.base}/project-ideas", room.guests[0]["token"], json=body)
    assert refused.status_code == 403
    created = await room.client.post(f"{room.base}/project-ideas", json=body, headers=SAME_ORIGIN)
    assert created.status_code == 201, created.text
    project = created.json()
    assert (project["owner_id"], project["status"], project["focus_topic_ids"]) == (
        str(member.id),
        "idee",
        [str(topic.id)],
    )
    assert project["cards"] == [{"idea_id": room.ideas[1], "text": "Wochenmarkt am Abend", "votes": 1}]
    results = await room.results(2)
    assert [(p["id"], p["title"], p["owner_id"]) for p in results["project_ideas"]] == [
        (project["id"], "Abendmarkt im Sommer", str(member.id))
    ]
    jump = await room.client.patch(
        f"/api/project-ideas/{project['id']}", json={"status": "umgesetzt"}, headers=SAME_ORIGIN
    )
    assert jump.status_code == 409
    step = await room.client.patch(
        f"/api/project-ideas/{project['id']}", json={"status": "ausgewaehlt"}, headers=SAME_ORIGIN
    )
    assert step.status_code == 200, step.text
    assert step.json()["status"] == "ausgewaehlt"


async def test_owner_must_be_in_the_towns_kernteam(room: Room) -> None:
    body = {"title": "X", "owner_id": "00000000-0000-0000-0000-000000000000"}
    refused = await room.client.post(f"{room.base}/project-ideas", json=body, headers=SAME_ORIGIN)
    assert refused.status_code == 422
    assert "owner_id" in str(refused.json())


async def test_status_change_with_cookies_needs_same_origin(room: Room) -> None:
    created = await room.client.post(f"{room.base}/project-ideas", json={"title": "Y"}, headers=SAME_ORIGIN)
    cross = await room.client.patch(
        f"/api/project-ideas/{created.json()['id']}",
        json={"status": "ausgewaehlt"},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
