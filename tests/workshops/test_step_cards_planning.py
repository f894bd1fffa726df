"""The planning page lets the coach choose the cards of a vote, rank or matrix step (German labels)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.html import parse
from tests.workshops.helpers import coach_setup, new_workshop, post_form
from werkstatt.settings import Settings
from werkstatt.workshops.models import AgendaStep


async def test_the_step_editor_offers_the_card_source_and_stores_it(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org)
    base = f"/werkstaetten/{workshop.id}"
    for slug in ("blitzlicht", "kartenabfrage", "mehrpunktabfrage"):
        assert (await post_form(client, f"{base}/ablauf/methode", {"method_slug": slug}, htmx=True)).status_code == 200
    steps = list((await db.execute(select(AgendaStep).order_by(AgendaStep.position))).scalars())
    vote = next(step for step in steps if step.mechanic == "vote")
    assert vote.config == {"dots_per_person": 3, "max_per_item": 2, "hidden": True}, "unset: left out"
    collect = [step for step in steps if step.mechanic == "collect"]
    blitz, stoert = collect[0], collect[-1]

    editor = await client.get(f"{base}?bearbeiten={vote.id}", headers={"hx-request": "true"})
    options = {o["value"]: o.get_text() for o in parse(editor.text).select(f"#edit-{vote.id}-vote-cards option")}
    assert options[""] == f"Standard: die Karten aus Schritt {stoert.position + 1} „{stoert.title}“"
    assert options[f"step:{blitz.position}"] == f"Karten aus Schritt {blitz.position + 1} „{blitz.title}“"
    assert options["all"] == "Alle Karten der Werkstatt"
    assert parse(editor.text).select_one(f"#edit-{vote.id}-vote-cards option[selected]")["value"] == ""

    form = {
        "title": vote.title,
        "minutes": "10",
        "mechanic": "vote",
        f"edit-{vote.id}-config": "1",
        f"edit-{vote.id}-vote-dots_per_person": "3",
        f"edit-{vote.id}-vote-max_per_item": "1",
        f"edit-{vote.id}-vote-cards": f"step:{blitz.position}",
    }
    assert (await post_form(client, f"{base}/ablauf/{vote.id}", form, htmx=True)).status_code == 200
    await db.refresh(vote)
    assert vote.config["cards"] == {"from": "step", "step": blitz.position}
    editor = await client.get(f"{base}?bearbeiten={vote.id}", headers={"hx-request": "true"})
    selected = parse(editor.text).select_one(f"#edit-{vote.id}-vote-cards option[selected]")
    assert selected is not None and selected["value"] == f"step:{blitz.position}"

    bad = await post_form(
        client, f"{base}/ablauf/{vote.id}", {**form, f"edit-{vote.id}-vote-cards": "top:2"}, htmx=True
    )
    assert bad.status_code == 422
    assert "wie viele Karten" in parse(bad.text).select_one(f"#edit-{vote.id}-vote-cards-error").get_text()
    await db.refresh(vote)
    assert vote.config["cards"] == {"from": "step", "step": blitz.position}, "a bad choice changes nothing"
