"""The result page (ranking, matrix, participation, project ideas, method ratings), the coach's project-idea
form with German field errors, and the town page's list of project ideas."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import as_guest
from tests.conftest import csrf_headers
from tests.factories import make_account, make_network, sign_in
from tests.html import text_of
from tests.voting.conftest import MATRIX, SAME_ORIGIN, VOTE, Room
from werkstatt.network.models import FocusTopic, KernteamMember, Role, Town
from werkstatt.results.models import NextStep, ProjectIdea
from werkstatt.sessions import cookie_name
from werkstatt.settings import Settings


async def _member(db: AsyncSession, room: Room) -> KernteamMember:
    found = (
        (await db.execute(select(KernteamMember).where(KernteamMember.town_id == UUID(room.workshop.town_id))))
        .scalars()
        .first()
    )
    assert found is not None
    return found


async def test_result_page_ranks_hides_until_reveal_and_counts_groups(room: Room) -> None:
    await room.step(VOTE)
    await room.vote(0, room.ideas[1])
    await room.vote(1, room.ideas[1])
    await room.vote(2, room.ideas[0])
    page = f"/w/{room.workshop.id}/ergebnis"

    guest = await as_guest(room.client, "GET", page, room.guests[0]["token"])
    assert guest.status_code == 200, guest.text
    assert 'id="result-hidden"' in guest.text
    assert "2 Punkte" not in guest.text and 'id="projektidee-form"' not in guest.text
    assert "Methoden bewerten" not in guest.text

    coach = await room.client.get(page)
    assert coach.status_code == 200, coach.text
    text = coach.text
    assert text.index("Wochenmarkt am Abend") < text.index("Mehr Bänke") < text.index("Radbügel")
    assert "2 Punkte" in text and 'id="result-hidden"' not in text
    assert '<svg class="vote-matrix"' in text  # the agenda has a rate_matrix step
    assert '<tr><th scope="row">Jugendliche</th><td class="num">2</td></tr>' in text
    assert '<tr><th scope="row">Senioren</th><td class="num">1</td></tr>' in text
    assert 'id="projektidee-form"' in text and "Kernteam" in text
    assert "style=" not in text.split("<main", 1)[1] and "<script>" not in text.split("<main", 1)[1]

    revealed = await room.client.post(f"/api/workshops/{room.workshop.id}/votes/reveal", headers=SAME_ORIGIN)
    assert revealed.status_code == 200, revealed.text
    after = await as_guest(room.client, "GET", page, room.guests[0]["token"])
    assert 'id="result-hidden"' not in after.text and "2 Punkte" in after.text

    stranger = await as_guest(room.client, "GET", page, None)
    assert stranger.status_code == 404


async def test_matrix_scores_show_on_the_result_page(room: Room) -> None:
    await room.step(MATRIX)
    response = await room.vote(0, room.ideas[2], score_x=2, score_y=5)
    assert response.status_code in (200, 201), response.text
    coach = await room.client.get(f"/w/{room.workshop.id}/ergebnis")
    assert 'class="matrix-point"' in coach.text and "Leerstand bespielen" in coach.text


async def test_coach_prefills_from_a_card_and_creates_a_project_idea(room: Room, db: AsyncSession) -> None:
    member = await _member(db, room)
    topic = (await db.execute(select(FocusTopic))).scalars().first()
    assert topic is not None
    page = f"/w/{room.workshop.id}/ergebnis"
    form = await room.client.get(f"{page}?karte={room.ideas[1]}")
    assert 'name="title" type="text" maxlength="200" required value="Wochenmarkt am Abend"' in form.text
    assert f'<option value="{member.id}">Kernteam' in form.text

    created = await room.client.post(
        f"{page}/projektideen",
        data={
            "idea_id": room.ideas[1],
            "title": "Abendmarkt",
            "description": "Freitags bis 22 Uhr",
            "focus_topic_ids": str(topic.id),
            "owner_id": str(member.id),
            "step_text_0": "Marktamt fragen",
            "step_due_0": "2027-01-15",
            "step_text_1": "Händler ansprechen",
            "status": "ausgewaehlt",
        },
        headers=await csrf_headers(room.client),
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    shown = await room.client.get(created.headers["location"])
    assert "Die Projektidee ist gespeichert." in shown.text
    assert "Abendmarkt" in shown.text and "Marktamt fragen" in shown.text and "ausgewählt" in shown.text
    results = await room.results()
    [project] = results["project_ideas"]
    assert (project["owner_id"], project["status"], project["focus_topic_ids"]) == (
        str(member.id),
        "ausgewaehlt",
        [str(topic.id)],
    )
    assert [s["due_on"] for s in project["next_steps"]] == ["2027-01-15", None]
    assert project["cards"][0]["text"] == "Wochenmarkt am Abend"

    refused = await as_guest(room.client, "POST", f"{page}/projektideen", room.guests[0]["token"], data={"title": "X"})
    assert refused.status_code in (403, 404)


async def test_form_errors_are_german_and_store_nothing(room: Room, db: AsyncSession) -> None:
    foreign = await make_network(db, "Anderes Netz", towns=("Zwickau",))
    stranger = (
        (await db.execute(select(KernteamMember).where(KernteamMember.town_id == foreign.towns[0].id))).scalars().one()
    )
    response = await room.client.post(
        f"/w/{room.workshop.id}/ergebnis/projektideen",
        data={"title": "", "step_due_0": "morgen", "step_due_1": "2027-02-01", "status": "umgesetzt"},
        headers=await csrf_headers(room.client),
    )
    assert response.status_code == 422
    for message in (
        "Bitte einen Titel angeben",
        "Bitte ein gültiges Datum angeben.",
        "Bitte den Schritt beschreiben.",
        "Bitte einen gültigen Status wählen.",
    ):
        assert message in response.text
    owner = await room.client.post(
        f"/w/{room.workshop.id}/ergebnis/projektideen",
        data={"title": "Fremd", "owner_id": str(stranger.id)},
        headers=await csrf_headers(room.client),
    )
    assert owner.status_code == 422
    assert "Bitte jemanden aus dem Kernteam der Stadt wählen." in owner.text
    assert 'value="Fremd"' in owner.text
    assert (await db.execute(select(func.count()).select_from(ProjectIdea))).scalar_one() == 0


async def test_town_lists_its_project_ideas_and_other_networks_get_404(
    room: Room, db: AsyncSession, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    member = await _member(db, room)
    created = await room.client.post(
        f"/api/workshops/{room.workshop.id}/project-ideas",
        json={"title": "Bänke für alle", "owner_id": str(member.id)},
        headers=SAME_ORIGIN,
    )
    assert created.status_code == 201, created.text
    town = await room.client.get(f"/staedte/{room.workshop.town_id}")
    assert f'hx-get="/staedte/{room.workshop.town_id}/projektideen"' in town.text
    assert 'hx-trigger="load"' in town.text
    direct = await room.client.get(f"/staedte/{room.workshop.town_id}/projektideen", follow_redirects=False)
    assert direct.headers["location"] == f"/staedte/{room.workshop.town_id}#town-workshops"
    fragment = await room.client.get(f"/staedte/{room.workshop.town_id}/projektideen", headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert "Bänke für alle" in fragment.text and member.display_name in fragment.text and "Idee" in fragment.text
    assert f'href="/w/{room.workshop.id}/ergebnis"' in fragment.text

    other = await make_network(db, "Fremdes Netz", towns=("Plauen",))
    outsider = await make_account(db, Role.coach, other.network, email="coach@plauen.example")
    await db.commit()
    await sign_in(client, db, settings, outsider)
    assert (await client.get(f"/staedte/{room.workshop.town_id}/projektideen")).status_code == 404
    assert (await client.get(f"/w/{room.workshop.id}/ergebnis")).status_code == 404


async def test_network_members_read_a_closed_workshops_result_like_a_participant(
    room: Room, db: AsyncSession, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    """The town page links a project idea to its workshop's result: the Kernteam (and every member of the
    network) may read it once the workshop is closed, with what participants see (no form, hidden dots stay
    hidden); before that, and for other networks, the workshop does not exist for them."""
    await room.step(VOTE)
    await room.vote(0, room.ideas[1])
    await room.vote(1, room.ideas[1])
    page = f"/w/{room.workshop.id}/ergebnis"
    api = f"/api/workshops/{room.workshop.id}/results"
    network_id = (await db.execute(select(FocusTopic.network_id))).scalars().first()
    kernteam = await make_account(db, Role.kernteam)
    kernteam.network_id = network_id
    await db.commit()
    coach_cookie = client.cookies.get(cookie_name(settings))  # room.client is this client, signed in as coach
    await sign_in(client, db, settings, kernteam)
    assert (await client.get(page)).status_code == 404  # still running
    assert (await client.get(api)).status_code == 404
    assert (await client.get(f"{page}/export/md")).status_code == 404

    kernteam_cookie = client.cookies.get(cookie_name(settings))
    client.cookies.set(cookie_name(settings), str(coach_cookie))
    assert (await room.command(type="close")).status_code == 200
    client.cookies.set(cookie_name(settings), str(kernteam_cookie))
    reader = await client.get(page)
    assert reader.status_code == 200, reader.text
    guest = await as_guest(client, "GET", page, room.guests[0]["token"])
    ranking = reader.text.split('id="result-ranking"', 1)[1].split("</ol>", 1)[0]
    assert ranking == guest.text.split('id="result-ranking"', 1)[1].split("</ol>", 1)[0]
    assert "Wochenmarkt am Abend" in ranking and "2 Punkte" in ranking
    assert 'id="projektidee-form"' not in reader.text and "Methoden bewerten" not in reader.text
    assert f'href="/w/{room.workshop.id}/ergebnis/export/pdf"' in reader.text  # for the town council
    town = await db.get(Town, UUID(room.workshop.town_id))
    assert town is not None
    assert text_of(reader.text, ".breadcrumbs li") == town.name  # the reader's way back: the town, by name
    exported = await client.get(f"{page}/export/md")
    assert exported.status_code == 200 and "Wochenmarkt am Abend" in exported.text
    assert "Bert" not in exported.text and "Cem" not in exported.text  # no names of guests
    guest_export = await as_guest(
        client, "GET", f"/api/workshops/{room.workshop.id}/export?format=md", room.guests[0]["token"]
    )
    assert guest_export.status_code == 403
    listed = await client.get(api)
    assert listed.status_code == 200
    assert {idea["text"]: idea["votes"] for idea in listed.json()["ideas"]}["Wochenmarkt am Abend"] == 2
    refused = await client.post(f"{page}/projektideen", data={"title": "Von außen"}, headers=await csrf_headers(client))
    assert refused.status_code in (403, 404)
    assert (await db.execute(select(func.count()).select_from(ProjectIdea))).scalar_one() == 0

    other = await make_network(db, "Nachbarnetz", towns=("Aue",))
    outsider = await make_account(db, Role.kernteam, other.network, email="kernteam@aue.example")
    await sign_in(client, db, settings, outsider)
    assert (await client.get(page)).status_code == 404
    assert (await client.get(api)).status_code == 404
    assert (await client.get(f"{page}/export/md")).status_code == 404


async def test_coach_and_owning_kernteam_member_move_a_project_idea_on_from_the_town_page(
    room: Room, db: AsyncSession, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    member_id = (await _member(db, room)).id
    created = await room.client.post(
        f"/api/workshops/{room.workshop.id}/project-ideas",
        json={"title": "Bänke für alle", "owner_id": str(member_id)},
        headers=SAME_ORIGIN,
    )
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    fragment = f"/staedte/{room.workshop.town_id}/projektideen"
    action = f"{fragment}/{project_id}/status"
    htmx = {"hx-request": "true"}

    async def status() -> str:
        await db.rollback()  # read what the app committed
        project = await db.get(ProjectIdea, UUID(project_id))
        assert project is not None
        await db.refresh(project)
        return str(project.status)

    listed = (await room.client.get(fragment, headers=htmx)).text
    assert f'action="{action}"' in listed
    assert '<option value="ausgewaehlt">ausgewählt</option><option value="verworfen">verworfen</option>' in listed
    moved = await room.client.post(
        action, data={"status": "ausgewaehlt"}, headers={**htmx, **await csrf_headers(room.client)}
    )
    assert moved.status_code == 200 and await status() == "ausgewaehlt"
    assert '<option value="in_umsetzung">in Umsetzung</option>' in moved.text
    jump = await room.client.post(
        action, data={"status": "ausgewaehlt"}, headers={**htmx, **await csrf_headers(room.client)}
    )
    assert jump.status_code == 409 and "geht es nicht zu" in jump.text and await status() == "ausgewaehlt"
    junk = await room.client.post(
        action, data={"status": "fertig"}, headers={**htmx, **await csrf_headers(room.client)}
    )
    assert junk.status_code == 422 and "Bitte einen gültigen Status wählen." in junk.text

    network_id = (await db.execute(select(FocusTopic.network_id))).scalars().first()
    bystander = await make_account(db, Role.kernteam, email="kernteam@annaberg.example")
    owner = await make_account(db, Role.kernteam, email="sabine@annaberg.example")
    bystander.network_id = owner.network_id = network_id
    await db.execute(update(KernteamMember).where(KernteamMember.id == member_id).values(account_id=owner.id))
    await db.commit()

    await sign_in(client, db, settings, bystander)
    assert f'action="{action}"' not in (await client.get(fragment, headers=htmx)).text
    refused = await client.post(action, data={"status": "in_umsetzung"}, headers={**htmx, **await csrf_headers(client)})
    assert refused.status_code == 403 and await status() == "ausgewaehlt"

    await sign_in(client, db, settings, owner)
    assert f'action="{action}"' in (await client.get(fragment, headers=htmx)).text
    plain = await client.post(
        action, data={"status": "in_umsetzung"}, headers=await csrf_headers(client), follow_redirects=False
    )
    assert plain.status_code == 303 and plain.headers["location"] == f"/staedte/{room.workshop.town_id}"
    assert await status() == "in_umsetzung"

    other = await make_network(db, "Netz am Rand", towns=("Plauen",))
    outsider = await make_account(db, Role.coach, other.network, email="coach@rand.example")
    await sign_in(client, db, settings, outsider)
    lost = await client.post(action, data={"status": "umgesetzt"}, headers={**htmx, **await csrf_headers(client)})
    assert lost.status_code == 404 and await status() == "in_umsetzung"


async def test_next_steps_are_ticked_off_and_added_on_the_town_page(
    room: Room, db: AsyncSession, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    member_id = (await _member(db, room)).id
    created = await room.client.post(
        f"/api/workshops/{room.workshop.id}/project-ideas",
        json={
            "title": "Sitzbänke am Markt",
            "owner_id": str(member_id),
            "next_steps": [{"text": "Bauhof fragen", "due_on": "2027-03-01"}],
        },
        headers=SAME_ORIGIN,
    )
    assert created.status_code == 201, created.text
    project = created.json()
    [first] = project["next_steps"]
    base = f"/staedte/{room.workshop.town_id}/projektideen/{project['id']}/schritte"
    htmx = {"hx-request": "true", **await csrf_headers(room.client)}

    async def steps() -> list[tuple[str, str | None, bool]]:
        await db.rollback()  # read what the app committed
        rows = await db.execute(
            select(NextStep.text, NextStep.due_on, NextStep.done)
            .where(NextStep.project_idea_id == UUID(project["id"]))
            .order_by(NextStep.position)
        )
        return [(text, due.isoformat() if due else None, done) for text, due, done in rows.all()]

    ticked = await room.client.post(f"{base}/{first['id']}", data={"done": "1"}, headers=htmx)
    assert ticked.status_code == 200 and "wieder offen" in ticked.text and "01.03.2027" in ticked.text
    assert await steps() == [("Bauhof fragen", "2027-03-01", True)]
    bad = await room.client.post(base, data={"text": "Händler einladen", "due_on": "bald"}, headers=htmx)
    assert bad.status_code == 422 and "Bitte ein gültiges Datum angeben." in bad.text
    empty = await room.client.post(base, data={"text": " "}, headers=htmx)
    assert empty.status_code == 422 and "Bitte jeden nächsten Schritt kurz beschreiben" in empty.text
    assert len(await steps()) == 1, "refusals store nothing"
    added = await room.client.post(base, data={"text": "Händler einladen", "due_on": "2027-04-15"}, headers=htmx)
    assert added.status_code == 200 and "Händler einladen" in added.text
    assert await steps() == [("Bauhof fragen", "2027-03-01", True), ("Händler einladen", "2027-04-15", False)]

    network_id = (await db.execute(select(FocusTopic.network_id))).scalars().first()
    bystander = await make_account(db, Role.kernteam, email="zaungast@annaberg.example")
    bystander.network_id = network_id
    await db.commit()
    await sign_in(client, db, settings, bystander)
    listed = await client.get(f"/staedte/{room.workshop.town_id}/projektideen", headers={"hx-request": "true"})
    assert "Bauhof fragen" in listed.text and f'action="{base}"' not in listed.text, "read, not steer"
    refused = await client.post(
        f"{base}/{first['id']}", data={"done": "0"}, headers={"hx-request": "true", **await csrf_headers(client)}
    )
    assert refused.status_code == 403 and (await steps())[0][2] is True
