"""Planning in the browser's HTML: list, create form, agenda editor, QR code and run sheet."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_account, make_network, sign_in
from tests.html import by_id, parse, text_of
from tests.workshops.helpers import PAYLOADS, coach_setup, new_workshop, positions, post_form
from werkstatt.catalogue.models import MethodUsage
from werkstatt.network.models import KernteamMember, Role, TownFocusTopic
from werkstatt.settings import Settings
from werkstatt.workshops.models import AgendaStep, Workshop


async def count(db: AsyncSession, model: Any) -> int:
    return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


def form_data(org: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "town_id": str(org.towns[0].id),
        "title": "Ideen für den Marktplatz",
        "format": "ideen-werkstatt",
        "date": "2031-03-14",
        "time": "18:30",
        "place": "Ratssaal",
        "expected_participants": "18",
        "planned_minutes": "180",
        "focus_topic_ids": [str(org.topics[0].id)],
        "target_groups": ["jugendliche"],
        "template": "",
    }
    data.update(overrides)
    return data


async def test_create_form_from_template_and_list(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    db.add(TownFocusTopic(town_id=org.towns[0].id, focus_topic_id=org.topics[1].id))
    await db.commit()

    form = await client.get("/werkstaetten/neu")
    assert form.status_code == 200
    towns = [option.get_text() for option in parse(form.text).select("#f-town_id option")]
    assert towns == ["Annaberg", "Zschopau"]
    ticked = {box["value"] for box in parse(form.text).select("#topics input[checked]")}
    assert ticked == {str(org.topics[1].id)}  # the town's own topic is pre-ticked

    other_town = await client.get(f"/werkstaetten/neu?town_id={org.towns[1].id}", headers={"hx-request": "true"})
    assert parse(other_town.text).select("#topics input[checked]") == []

    response = await post_form(client, "/werkstaetten/neu", form_data(org, template="fokusgruppe-senioren"))
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert text_of(page.text, "h1") == "Ideen für den Marktplatz"
    steps = parse(page.text).select("#agenda-list li.agenda-step")
    assert len(steps) > 5
    assert "Min." in text_of(page.text, "#agenda-list li.agenda-step")
    workshop = (await db.execute(select(Workshop))).scalar_one()
    assert workshop.focus_topic_ids == [str(org.topics[0].id)]
    assert workshop.starts_at is not None and workshop.starts_at.hour == 17  # 18:30 in Berlin (CET) = 17:30 UTC
    assert by_id(page.text, "join-code").get_text(strip=True) == workshop.join_code
    assert by_id(page.text, "join-link")["href"] == f"http://testserver.local/beitreten/{workshop.join_code}"

    listing = await client.get("/werkstaetten")
    assert listing.status_code == 200
    assert "Ideen für den Marktplatz" in text_of(listing.text, "#section-planned + ul")
    nav = [a.get_text() for a in parse(listing.text).select(".main-nav a")]
    assert "Werkstätten" in nav


async def test_bad_form_input_stores_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    response = await post_form(
        client,
        "/werkstaetten/neu",
        form_data(org, title="", date="14.03.2031", expected_participants="viele", target_groups=["erfunden"]),
    )
    assert response.status_code == 422
    assert text_of(response.text, "#f-title-error") == "Bitte mindestens 1 Zeichen eingeben."
    assert "gültiges Datum" in text_of(response.text, "#f-date-error")
    assert text_of(response.text, "#f-expected_participants-error") == "Muss eine ganze Zahl sein."
    assert await count(db, Workshop) == 0

    unknown_group = await post_form(client, "/werkstaetten/neu", form_data(org, target_groups=["erfunden"]))
    assert unknown_group.status_code == 422
    assert "Unbekannte Zielgruppe" in text_of(unknown_group.text, "#f-target_groups-error")
    assert await count(db, Workshop) == 0


async def test_other_networks_town_and_workshop_are_not_found(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, _account = await coach_setup(client, db, settings)
    other = await make_network(db, towns=("Olbernhau",))
    other_coach = await make_account(db, Role.coach, other.network)
    response = await post_form(client, "/werkstaetten/neu", form_data(org, town_id=str(other.towns[0].id)))
    assert response.status_code == 404
    foreign = await new_workshop(db, other_coach, other)
    for path in ("", "/ablaufplan", "/qr.svg", "/details"):
        assert (await client.get(f"/werkstaetten/{foreign.id}{path}")).status_code == 404
    moved = await post_form(client, f"/werkstaetten/{foreign.id}/ablauf/methode", {"method_slug": "blitzlicht"})
    assert moved.status_code == 404
    assert await count(db, AgendaStep) == 0


async def test_guests_and_kernteam_cannot_plan(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    anonymous = await client.get("/werkstaetten/neu", follow_redirects=False)
    assert anonymous.status_code in {303, 401}
    org = await make_network(db)
    member = await make_account(db, Role.kernteam, org.network)
    await sign_in(client, db, settings, member)
    # "Werkstätten" in the header leads the Kernteam to its town's workshops (the network page while unlinked)
    unlinked = await client.get("/werkstaetten", follow_redirects=False)
    assert (unlinked.status_code, unlinked.headers["location"]) == (303, "/netzwerk")
    db.add(KernteamMember(town_id=org.towns[0].id, display_name="Kim Kernteam", account_id=member.id))
    await db.commit()
    linked = await client.get("/werkstaetten", follow_redirects=False)
    assert (linked.status_code, linked.headers["location"]) == (303, f"/staedte/{org.towns[0].id}")
    assert (await client.get("/werkstaetten/neu")).status_code == 404
    response = await post_form(client, "/werkstaetten/neu", form_data(org))
    assert response.status_code == 404
    assert await count(db, Workshop) == 0


async def test_agenda_add_edit_move_reorder_delete(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, expected_participants=40, planned_minutes=30)
    base = f"/werkstaetten/{workshop.id}"

    added = await post_form(client, f"{base}/ablauf/methode", {"method_slug": "kartenabfrage"}, htmx=True)
    assert added.status_code == 200
    fragment = parse(added.text)
    assert fragment.select_one("html") is None and fragment.select_one("#agenda") is not None  # only the block
    titles = [title for _pos, title in await positions(db, workshop.id)]
    assert titles == [
        "Kartenabfrage (Metaplan): Leitfrage vorstellen",
        "Kartenabfrage (Metaplan): Karten schreiben",
        "Kartenabfrage (Metaplan): Karten vorlesen und ordnen",
        "Kartenabfrage (Metaplan): Cluster benennen",
    ]
    usage = (await db.execute(select(MethodUsage.workshop_id))).scalars().all()
    assert usage == [], "only a workshop that is held counts for its methods' cards"
    step = (await db.execute(select(AgendaStep).where(AgendaStep.position == 1))).scalar_one()
    assert step.mechanic == "collect" and step.config["blind"] is True and step.config["max_cards_per_person"] == 5
    assert step.question.startswith("Was stört Sie")
    # 40 expected, the card allows 5-25: a warning on each step of the method
    assert "höchstens 25 Personen" in text_of(added.text, f"#warning-{step.id}")
    # 33 minutes against 30 planned: over by 3
    assert "3 Minuten länger" in text_of(added.text, "#timebox-warning")

    free = await post_form(
        client, f"{base}/ablauf/frei", {"title": "Begrüßung", "minutes": "5", "mechanic": "discuss"}, htmx=True
    )
    assert free.status_code == 200
    bad = await post_form(
        client, f"{base}/ablauf/frei", {"title": "", "minutes": "0", "mechanic": "zaubern"}, htmx=True
    )
    assert bad.status_code == 422
    assert text_of(bad.text, "#free-mechanic-error") == "Unbekannte Board-Art."
    bad = await post_form(client, f"{base}/ablauf/frei", {"title": "", "minutes": "0", "mechanic": "vote"}, htmx=True)
    assert text_of(bad.text, "#free-title-error") == "Bitte mindestens 1 Zeichen eingeben."
    assert text_of(bad.text, "#free-minutes-error") == "Muss mindestens 1 sein."
    assert len(await positions(db, workshop.id)) == 5

    rows = await positions(db, workshop.id)
    assert [pos for pos, _title in rows] == [0, 1, 2, 3, 4]
    welcome = (await db.execute(select(AgendaStep).where(AgendaStep.title == "Begrüßung"))).scalar_one()
    moved = await post_form(client, f"{base}/ablauf/{welcome.id}/hoch", {}, htmx=True)
    assert by_id(moved.text, "agenda")["data-focus"] == f"up-{welcome.id}"
    assert (await positions(db, workshop.id))[3][1] == "Begrüßung"
    for _ in range(5):  # past the top it stays first; focus falls to the other button
        moved = await post_form(client, f"{base}/ablauf/{welcome.id}/hoch", {}, htmx=True)
    assert (await positions(db, workshop.id))[0][1] == "Begrüßung"
    assert by_id(moved.text, "agenda")["data-focus"] == f"down-{welcome.id}"
    assert by_id(moved.text, f"up-{welcome.id}").has_attr("disabled")

    plain = await post_form(client, f"{base}/ablauf/{welcome.id}/runter", {})
    assert plain.status_code == 303 and plain.headers["location"].endswith(f"fokus=down-{welcome.id}")

    ids = [str(s.id) for s in (await db.execute(select(AgendaStep).order_by(AgendaStep.position.desc()))).scalars()]
    reordered = await post_form(client, f"{base}/ablauf/reihenfolge", {"order": ",".join(ids)}, htmx=True)
    assert reordered.status_code == 200
    assert (await positions(db, workshop.id))[0][1] == "Kartenabfrage (Metaplan): Cluster benennen"
    missing_one = await post_form(client, f"{base}/ablauf/reihenfolge", {"order": ",".join(ids[1:])}, htmx=True)
    assert missing_one.status_code == 422
    assert "Reihenfolge" in text_of(missing_one.text, "#order-errors")

    editor = await client.get(f"{base}?bearbeiten={step.id}", headers={"hx-request": "true"})
    assert by_id(editor.text, f"edit-{step.id}-title")["value"] == step.title
    edited = await post_form(
        client,
        f"{base}/ablauf/{step.id}",
        {
            "title": "Karten zur Marktplatz-Frage",
            "minutes": "12",
            "mechanic": "vote",
            f"edit-{step.id}-config": "1",
            f"edit-{step.id}-vote-dots_per_person": "5",
            f"edit-{step.id}-vote-max_per_item": "2",
            "question": "Was fehlt am Markt?",
            "instructions": "Jede Person punktet.",
        },
        htmx=True,
    )
    assert edited.status_code == 200
    await db.refresh(step)
    assert (step.title, step.minutes, step.mechanic) == ("Karten zur Marktplatz-Frage", 12, "vote")
    assert step.config == {"dots_per_person": 5, "max_per_item": 2, "hidden": False}
    wrong = await post_form(
        client,
        f"{base}/ablauf/{step.id}",
        {
            "title": "x",
            "minutes": "5",
            "mechanic": "vote",
            f"edit-{step.id}-config": "1",
            f"edit-{step.id}-vote-dots_per_person": "2",
            f"edit-{step.id}-vote-max_per_item": "3",
        },
        htmx=True,
    )
    assert wrong.status_code == 422
    assert "max_per_item" in text_of(wrong.text, "#edit-errors ~ fieldset, .step-editor")
    await db.refresh(step)
    assert step.title == "Karten zur Marktplatz-Frage"

    deleted = await post_form(client, f"{base}/ablauf/{welcome.id}/loeschen", {}, htmx=True)
    assert deleted.status_code == 200
    assert [pos for pos, _title in await positions(db, workshop.id)] == [0, 1, 2, 3]


async def test_template_application_replaces_or_appends(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, planned_minutes=150)
    base = f"/werkstaetten/{workshop.id}"
    await post_form(client, f"{base}/ablauf/frei", {"title": "Begrüßung", "minutes": "10"})
    applied = await post_form(client, f"{base}/ablauf/vorlage", {"template": "fokusgruppe-senioren"}, htmx=True)
    assert applied.status_code == 200
    rows = await positions(db, workshop.id)
    assert rows[0][1] == "Begrüßung" and len(rows) > 2
    assert [pos for pos, _t in rows] == list(range(len(rows)))
    steps = list((await db.execute(select(AgendaStep).where(AgendaStep.workshop_id == workshop.id))).scalars())
    assert sum(step.minutes for step in steps) == 10 + 150  # the template's blocks keep their timeboxes

    replaced = await post_form(client, f"{base}/ablauf/vorlage", {"template": "fokusgruppe-senioren", "replace": "1"})
    assert replaced.status_code == 303
    rows = await positions(db, workshop.id)
    assert "Begrüßung" not in [title for _p, title in rows]
    page = await client.get(base)
    assert text_of(page.text, "#timebox label") == "Summe der Zeitblöcke: 150 von 150 Minuten"

    unknown = await post_form(client, f"{base}/ablauf/vorlage", {"template": "gibt-es-nicht"}, htmx=True)
    assert unknown.status_code == 422
    assert text_of(unknown.text, "#template-errors") == "Bitte eine Vorlage auswählen."


async def test_run_sheet_material_and_clock_times(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(
        db, account, org, expected_participants=20, starts_at="2031-06-02T16:00:00Z", planned_minutes=120
    )
    base = f"/werkstaetten/{workshop.id}"
    await post_form(client, f"{base}/ablauf/methode", {"method_slug": "kartenabfrage"})
    await post_form(client, f"{base}/ablauf/methode", {"method_slug": "brainwriting-635"})
    sheet = await client.get(f"{base}/ablaufplan")
    assert sheet.status_code == 200
    times = [
        cell.get_text(" ", strip=True).split()[0] for cell in parse(sheet.text).select("#runsheet-steps td.rs-time")
    ]
    assert times[:3] == ["18:00", "18:03", "18:13"]  # 16:00 UTC = 18:00 in Berlin (summer); 3 and 10 minutes
    assert "Was stört Sie" in text_of(sheet.text, "#runsheet-steps .rs-question")
    material = {
        row.select("td")[0].get_text(" ", strip=True).split(" eine ")[0]: row.select("td")[1].get_text(strip=True)
        for row in parse(sheet.text).select("#material-list tbody tr")
    }
    # Kartenabfrage: 5 cards per person -> 100; Pinnwand 2 per event
    assert material["Moderationskarten (farbig)"] == "100"
    assert material["Pinnwand mit Packpapier"].isdigit()
    assert int(material["Pinnwand mit Packpapier"]) >= 2


async def test_qr_code_is_served_as_svg(client: AsyncTestClient[Any], db: AsyncSession, settings: Settings) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org)
    response = await client.get(f"/werkstaetten/{workshop.id}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "max-age" in response.headers["cache-control"]
    assert response.text.lstrip().startswith("<?xml") and "<svg" in response.text and "<script" not in response.text


async def test_script_payloads_render_as_text(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, title=PAYLOADS[0], place=PAYLOADS[1])
    base = f"/werkstaetten/{workshop.id}"
    for payload in PAYLOADS:
        await post_form(
            client, f"{base}/ablauf/frei", {"title": payload, "minutes": "5", "mechanic": "discuss"}, htmx=True
        )
    for path in ("", "/ablaufplan"):
        html = (await client.get(base + path)).text
        tree = parse(html)
        assert not [tag for tag in tree.find_all(["img", "svg"]) if tag.get("onerror") or tag.get("onload")]
        assert len(tree.find_all("script")) == len(tree.find_all("script", src=True))
        assert PAYLOADS[0] in tree.get_text()
    listing = parse((await client.get("/werkstaetten")).text)
    assert PAYLOADS[0] in listing.get_text() and not listing.find_all("script", src=False)
