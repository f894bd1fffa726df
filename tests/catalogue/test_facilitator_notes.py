"""Method steps carry two texts: what the participants read (`instructions`) and the moderation's notes."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.catalogue.test_network_cards import coach_of, form_of, shipped
from tests.conftest import csrf_headers
from tests.html import parse, text_of
from werkstatt.catalogue.check import addresses_moderation, check
from werkstatt.catalogue.schema import AgendaTemplateStep, Step
from werkstatt.settings import Settings


def _step(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Karten schreiben",
        "minutes": 10,
        "instructions": "Schreiben Sie still.",
        **extra,
        "board": {"mechanic": "collect"},
    }


def test_a_step_takes_facilitator_notes_and_leaves_them_out_when_unset() -> None:
    step = Step.model_validate(_step(facilitator_notes="Nach fünf Minuten an die Zeit erinnern."))
    assert step.facilitator_notes == "Nach fünf Minuten an die Zeit erinnern."
    assert Step.model_validate(_step()).facilitator_notes is None


def test_facilitator_notes_are_limited_like_a_long_text() -> None:
    with pytest.raises(ValidationError) as error:
        Step.model_validate(_step(facilitator_notes="x" * 4001))
    assert error.value.errors()[0]["loc"] == ("facilitator_notes",)


def test_a_template_block_has_a_participant_text_and_a_note() -> None:
    block = AgendaTemplateStep.model_validate(
        {"title": "Pause", "minutes": 10, "instructions": "Pause.", "note": "Dubletten zusammenführen."}
    )
    assert (block.instructions, block.note) == ("Pause.", "Dubletten zusammenführen.")


@pytest.mark.parametrize(
    "text",
    [
        "Die Moderation nennt die Frage.",
        "Schreiben Sie still. Die Moderation liest vor.",
        "Moderation: Karten einsammeln.",
        "Die Co-Moderation sichtet die Fragen.",
        "Der Moderator gibt das Signal.",
    ],
)
def test_texts_about_the_moderation_are_found(text: str) -> None:
    assert addresses_moderation(text)


@pytest.mark.parametrize(
    "text",
    ["Schreiben Sie still für sich.", "Wählen Sie eine Person für die Moderation.", "Moderationskarten liegen bereit."],
)
def test_texts_for_the_participants_pass(text: str) -> None:
    assert not addresses_moderation(text)


def test_no_shipped_participant_text_speaks_about_the_moderation() -> None:
    loaded = check()
    texts = [step.instructions for _file, card in loaded.cards.values() for step in card.steps]
    texts += [
        step.instructions for _file, agenda in loaded.agendas.values() for step in agenda.steps if step.instructions
    ]
    assert len(texts) > 200
    assert [text for text in texts if addresses_moderation(text)] == []


def test_the_shipped_cards_keep_the_moderation_s_part_in_their_notes() -> None:
    cards = {slug: card for slug, (_file, card) in check().cards.items()}
    opening = cards["blitzlicht"].steps[0]
    assert "Frage" in (opening.facilitator_notes or "")
    assert not opening.instructions.startswith("Die Moderation")
    assert sum(1 for card in cards.values() for step in card.steps if step.facilitator_notes) >= 100


async def test_the_method_page_shows_both_texts_labelled(client: AsyncTestClient[Any], synced: AsyncSession) -> None:
    page = await client.get("/methoden/kartenabfrage")
    first = parse(page.text).select("#timeline > li")[0]
    participants = first.select_one(".step-for-participants")
    moderation = first.select_one(".step-for-moderation")
    assert participants is not None and moderation is not None
    assert participants.get_text(" ", strip=True).startswith("Für die Teilnehmenden: Ein Gedanke pro Karte")
    assert (
        moderation.get_text(" ", strip=True)
        == "Hinweise für die Moderation: Die Frage vorlesen und die Regeln erklären."
    )
    assert first.find_next_sibling("li").select_one(".step-for-moderation") is None  # step 2 has no notes


async def test_the_card_form_takes_notes_and_refuses_overlong_ones(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    card = shipped()
    card["steps"][1]["facilitator_notes"] = "x" * 4001
    data = form_of(card, slug="kartenabfrage-notizen", name="Kartenabfrage mit Notizen")
    refused = await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
    assert refused.status_code == 422
    assert "Schritt 2 › facilitator_notes" in text_of(refused.text, "#f-steps_yaml-error")
    assert (await client.get("/methoden/kartenabfrage-notizen")).status_code == 404

    card["steps"][1]["facilitator_notes"] = "Nach fünf Minuten an die Zeit erinnern."
    data = form_of(card, slug="kartenabfrage-notizen", name="Kartenabfrage mit Notizen")
    created = await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
    assert created.status_code == 303, created.text
    page = await client.get("/methoden/kartenabfrage-notizen")
    notes = [node.get_text(" ", strip=True) for node in parse(page.text).select(".step-for-moderation")]
    assert "Hinweise für die Moderation: Nach fünf Minuten an die Zeit erinnern." in notes
