"""Project ideas from cards: owner from the town's Kernteam, focus topics, next steps, status path, results API."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import as_guest
from tests.conftest import csrf_headers
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


async def test_a_whole_cluster_becomes_a_project_idea(room: Room) -> None:
    """The coach picks a cluster: all its cards on the board go into the project idea, each once."""
    for name in ("Handel", "Leer"):
        assert (await room.command(type="create_cluster", name=name)).status_code == 200
    clusters = {
        event["data"]["cluster"]["name"]: event["data"]["cluster"]["id"]
        for event in await room.events()
        if event["type"] == "cluster_created"
    }
    for idea in room.ideas[1:3]:
        moved = await room.command(type="move_idea", idea_id=idea, cluster_id=clusters["Handel"])
        assert moved.status_code == 200, moved.text
    body = {"title": "Markt beleben", "idea_ids": [room.ideas[2]], "cluster_ids": [clusters["Handel"]]}
    created = await room.client.post(f"{room.base}/project-ideas", json=body, headers=SAME_ORIGIN)
    assert created.status_code == 201, created.text
    assert [card["idea_id"] for card in created.json()["cards"]] == [room.ideas[2], room.ideas[1]]
    for cluster_id, message in ((clusters["Leer"], "keine Karten"), (room.ideas[0], "Unbekannter Cluster")):
        refused = await room.client.post(
            f"{room.base}/project-ideas", json={"title": "X", "cluster_ids": [cluster_id]}, headers=SAME_ORIGIN
        )
        assert refused.status_code == 422 and message in refused.json()["detail"]
    titles = [p["title"] for p in (await room.results())["project_ideas"]]
    assert titles == ["Markt beleben"], "the refusals stored nothing"

    assert (await room.command(type="close")).status_code == 200
    form = (await room.client.get(f"/w/{room.workshop.id}/ergebnis")).text
    assert f'value="cluster:{clusters["Handel"]}"' in form and "(2 Karten)" in form
    assert f'value="cluster:{clusters["Leer"]}"' not in form, "an empty cluster is not offered"
    posted = await room.client.post(
        f"/w/{room.workshop.id}/ergebnis/projektideen",
        data={"title": "Handel stärken", "idea_id": f"cluster:{clusters['Handel']}", "status": "idee"},
        headers=await csrf_headers(room.client),
    )
    assert posted.status_code in {200, 303}, posted.text
    made = {p["title"]: p for p in (await room.results())["project_ideas"]}
    assert [card["idea_id"] for card in made["Handel stärken"]["cards"]] == [room.ideas[1], room.ideas[2]]


async def test_a_project_idea_is_corrected_and_handed_over(room: Room, db: AsyncSession) -> None:
    """Typos in a title the council will read, another owner, other topics: PATCH changes only what is sent,
    and a refusal changes nothing at all."""
    members = list(
        (await db.execute(select(KernteamMember).where(KernteamMember.town_id == UUID(room.workshop.town_id))))
        .scalars()
        .all()
    )
    topic = (await db.execute(select(FocusTopic))).scalars().first()
    assert members and topic is not None
    created = await room.client.post(
        f"{room.base}/project-ideas", json={"title": "Abendmrakt", "description": "Freitags"}, headers=SAME_ORIGIN
    )
    project_id = created.json()["id"]
    url = f"/api/project-ideas/{project_id}"
    edited = await room.client.patch(
        url,
        json={"title": "Abendmarkt", "owner_id": str(members[0].id), "focus_topic_ids": [str(topic.id)]},
        headers=SAME_ORIGIN,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["title"], body["description"], body["owner_id"], body["focus_topic_ids"]) == (
        "Abendmarkt",
        "Freitags",
        str(members[0].id),
        [str(topic.id)],
    )
    for bad in (
        {"title": "Neu", "owner_id": "00000000-0000-0000-0000-000000000000"},
        {"title": ""},
        {"title": "Neu", "status": "umgesetzt"},  # a jump is refused, the title stays too
        {"titel": "Tippfehler"},
    ):
        refused = await room.client.patch(url, json=bad, headers=SAME_ORIGIN)
        assert refused.status_code in {409, 422}, (bad, refused.text)
    after = (await room.results())["project_ideas"][0]
    assert (after["title"], after["status"], after["owner_id"]) == ("Abendmarkt", "idee", str(members[0].id))

    assert (await room.command(type="close")).status_code == 200
    page = (await room.client.get(f"/w/{room.workshop.id}/ergebnis")).text
    assert f'action="/w/{room.workshop.id}/ergebnis/projektideen/{project_id}"' in page
    form = await room.client.post(
        f"/w/{room.workshop.id}/ergebnis/projektideen/{project_id}",
        data={"title": "Abendmarkt im Sommer", "description": "Freitags bis 22 Uhr", "owner_id": ""},
        headers=await csrf_headers(room.client),
        follow_redirects=False,
    )
    assert form.status_code == 303, form.text
    after = (await room.results())["project_ideas"][0]
    assert (after["title"], after["owner_id"], after["focus_topic_ids"]) == ("Abendmarkt im Sommer", None, [])
    empty = await room.client.post(
        f"/w/{room.workshop.id}/ergebnis/projektideen/{project_id}",
        data={"title": ""},
        headers=await csrf_headers(room.client),
    )
    assert empty.status_code == 422 and "Bitte einen Titel angeben" in empty.text
    assert (await room.results())["project_ideas"][0]["title"] == "Abendmarkt im Sommer"
