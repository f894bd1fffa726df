"""Agenda steps carry the moderation's notes next to what the participants read: copied from the method or
template when planning, edited in the step editor (with a limit), printed on the run sheet, carried by the
workshop API for the coach and never for a participant."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.html import parse
from tests.workshops.helpers import coach_setup, new_workshop, post_form, shipped
from werkstatt.settings import Settings
from werkstatt.workshops.models import AgendaStep
from werkstatt.workshops.schemas import JoinIn
from werkstatt.workshops.service import join_workshop

ORIGIN = {"origin": "http://testserver.local"}
NOTE = "Nur für die Moderation: erst nach fünf Minuten an die Zeit erinnern."


async def steps_of(db: AsyncSession, workshop_id: Any) -> list[AgendaStep]:
    query = select(AgendaStep).where(AgendaStep.workshop_id == workshop_id).order_by(AgendaStep.position)
    return list((await db.execute(query.execution_options(populate_existing=True))).scalars())


async def test_a_method_brings_both_texts_of_each_step(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org)
    await post_form(client, f"/werkstaetten/{workshop.id}/ablauf/methode", {"method_slug": "kartenabfrage"})
    card = shipped().cards["kartenabfrage"][1]
    steps = await steps_of(db, workshop.id)
    assert [(s.instructions, s.facilitator_notes) for s in steps] == [
        (step.instructions, step.facilitator_notes or "") for step in card.steps
    ]
    assert steps[0].facilitator_notes == "Die Frage vorlesen und die Regeln erklären."


async def test_a_template_s_notes_go_to_the_moderation_and_its_texts_to_the_participants(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org)
    base = f"/werkstaetten/{workshop.id}"
    await post_form(client, f"{base}/ablauf/vorlage", {"template": "ideen-werkstatt-2-stunden", "replace": "1"})
    steps = await steps_of(db, workshop.id)
    welcome = steps[0]
    assert welcome.instructions.startswith("Willkommen zur Ideen-Werkstatt!")
    assert welcome.facilitator_notes.startswith("Ziel des Abends, Ablauf und Beitrittscode zeigen")
    first_card_step = next(s for s in steps if s.method_slug == "kartenabfrage")
    assert first_card_step.instructions == "Ein Gedanke pro Karte, gut lesbar, höchstens sieben Wörter."
    assert first_card_step.facilitator_notes == (
        'Kritikphase; Leitfrage "Was stört Sie, wenn Sie heute durch die Innenstadt gehen?"\n\n'
        "Die Frage vorlesen und die Regeln erklären."
    )
    assert not any("Moderation" in s.instructions.split(" ", 2)[:2] for s in steps)


async def test_the_step_editor_saves_notes_and_refuses_overlong_ones_in_german(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, agenda=[{"title": "Begrüßung", "minutes": 5}])
    step = (await steps_of(db, workshop.id))[0]
    url = f"/werkstaetten/{workshop.id}/ablauf/{step.id}"
    fields = {"title": "Begrüßung", "minutes": "5", "mechanic": "discuss", "instructions": "Willkommen!"}

    editor = await client.get(f"/werkstaetten/{workshop.id}?bearbeiten={step.id}", headers={"hx-request": "true"})
    label = parse(editor.text).select_one(f"label[for='edit-{step.id}-facilitator_notes']")
    assert label is not None and label.get_text(strip=True) == "Hinweise für die Moderation"

    too_long = await post_form(client, url, {**fields, "facilitator_notes": "x" * 4001}, htmx=True)
    assert too_long.status_code == 422
    error = parse(too_long.text).select_one(f"#edit-{step.id}-facilitator_notes-error")
    assert error is not None and "4000" in error.get_text() and "Zeichen" in error.get_text()
    assert (await steps_of(db, workshop.id))[0].facilitator_notes == ""

    saved = await post_form(client, url, {**fields, "facilitator_notes": NOTE}, htmx=True)
    assert saved.status_code == 200, saved.text
    stored = (await steps_of(db, workshop.id))[0]
    assert (stored.instructions, stored.facilitator_notes) == ("Willkommen!", NOTE)


async def test_the_run_sheet_prints_the_notes(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    agenda = [{"title": "Begrüßung", "minutes": 5, "instructions": "Willkommen!", "facilitator_notes": NOTE}]
    workshop = await new_workshop(db, account, org, agenda=agenda)
    sheet = parse((await client.get(f"/werkstaetten/{workshop.id}/ablaufplan")).text)
    assert sheet.select_one(".rs-notes").get_text(" ", strip=True) == f"Moderation: {NOTE}"
    assert sheet.select_one(".rs-instructions").get_text(" ", strip=True) == "Teilnehmende: Willkommen!"


async def test_the_api_carries_the_notes_for_the_coach_and_never_for_a_participant(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    agenda = [{"title": "Begrüßung", "minutes": 5, "instructions": "Willkommen!", "facilitator_notes": NOTE}]
    payload = {"town_id": str(org.towns[0].id), "title": "Abend", "agenda": agenda}
    created = await client.post("/api/workshops", json=payload, headers=ORIGIN)
    assert created.status_code == 201, created.text
    assert created.json()["agenda"][0]["facilitator_notes"] == NOTE
    workshop_id = created.json()["id"]
    coach = await client.get(f"/api/workshops/{workshop_id}")
    assert coach.json()["agenda"][0]["facilitator_notes"] == NOTE

    _w, _p, token, _event = await join_workshop(db, JoinIn(code=created.json()["join_code"], display_name="Mia"), None)
    await db.commit()
    client.cookies.clear()
    guest = await client.get(f"/api/workshops/{workshop_id}", headers={"authorization": f"Bearer {token}"})
    assert guest.status_code == 200
    assert guest.json()["agenda"][0]["instructions"] == "Willkommen!"
    assert "facilitator_notes" not in guest.json()["agenda"][0]
    assert NOTE not in guest.text


async def test_the_api_refuses_overlong_notes_in_german_and_plans_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    agenda = [{"title": "Begrüßung", "minutes": 5, "facilitator_notes": "x" * 4001}]
    payload = {"town_id": str(org.towns[0].id), "title": "Abend", "agenda": agenda}
    refused = await client.post("/api/workshops", json=payload, headers=ORIGIN)
    assert refused.status_code in {400, 422}
    problem = refused.json()
    assert "agenda.0.facilitator_notes" in str(problem), problem
    assert "4000" in str(problem) and "Zeichen" in str(problem)
    assert (await db.execute(select(AgendaStep.id))).first() is None
