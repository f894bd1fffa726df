"""The shipped agenda templates choose their cards: a workshop planned from each template is walked step by step
(guests post in every collect step, dot in every vote step), and every vote, rank and matrix step offers the
cards of the step the template means, never the Blitzlicht, the Walt-Disney roles or the bad Kopfstand ideas."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import as_guest, join
from tests.workshops.helpers import coach_setup, new_workshop, post_form, shipped
from werkstatt.catalogue.agendas import CHOOSING
from werkstatt.catalogue.loader import card_choice_problems
from werkstatt.catalogue.schema import AgendaTemplate
from werkstatt.settings import Settings
from werkstatt.workshops.models import AgendaStep

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
TOP = "top"

# Per template: the title of each choosing step → the title of the collect step whose cards it offers, or
# (TOP, title of the vote step) for the cards that got dots there.
WUENSCHE = "Termin 2 - Was wir uns wünschen – Karten schreiben"
INTENDED: dict[str, dict[str, str | tuple[str, str]]] = {
    "ideen-werkstatt-2-stunden": {
        "Prioritäten setzen – Punkte vergeben": "Kopfstand - Ideen, die es besser machen – Ideen umdrehen",
        "Prioritäten setzen – Ergebnis zeigen": "Kopfstand - Ideen, die es besser machen – Ideen umdrehen",
        "Wer macht was bis wann? – Ausgewählte Ideen aufrufen": (TOP, "Prioritäten setzen – Punkte vergeben"),
        "Wer macht was bis wann? – Reihenfolge und Abhängigkeiten": "Wer macht was bis wann? – Wer - Was - Bis wann",
    },
    "ideen-werkstatt-kompakt": {
        "Die drei stärksten Ideen aus drei Blickwinkeln – Umsetzbarkeit und Wirkung einschätzen": (
            "Ideen schreiben und weiterentwickeln – Beste Ideen übertragen"
        ),
        "Prioritäten setzen – Punkte vergeben": "Ideen schreiben und weiterentwickeln – Beste Ideen übertragen",
        "Prioritäten setzen – Ergebnis zeigen": "Ideen schreiben und weiterentwickeln – Beste Ideen übertragen",
        "Aufwand und Nutzen einschätzen – Ideen bewerten": (TOP, "Prioritäten setzen – Punkte vergeben"),
        "Aufwand und Nutzen einschätzen – Schwerpunkte wählen": (TOP, "Prioritäten setzen – Punkte vergeben"),
        "Wer macht was bis wann? – Ausgewählte Ideen aufrufen": (
            TOP,
            "Aufwand und Nutzen einschätzen – Schwerpunkte wählen",
        ),
        "Wer macht was bis wann? – Reihenfolge und Abhängigkeiten": "Wer macht was bis wann? – Wer - Was - Bis wann",
    },
    "erfahrungsaustausch-mit-rundgang": {
        "Stadtrundgang mit Fotos – Wichtigste Punkte markieren": "Stadtrundgang mit Fotos – Beobachtungen festhalten",
    },
    "fokusgruppe-jugend": {
        "Termin 2 - Was ist uns am wichtigsten? – Punkte vergeben": WUENSCHE,
        "Termin 2 - Was ist uns am wichtigsten? – Ergebnis zeigen": WUENSCHE,
    },
    "fokusgruppe-senioren": {
        "Barrierefreier Stadtrundgang – Wichtigste Punkte markieren": (
            "Barrierefreier Stadtrundgang – Beobachtungen festhalten"
        ),
        "Gewichten per Zuruf – Punkte vergeben": "Was uns aufgefallen ist und was wir uns wünschen – Karten schreiben",
        "Gewichten per Zuruf – Ergebnis zeigen": "Was uns aufgefallen ist und was wir uns wünschen – Karten schreiben",
    },
    "werkstatt-gespraech-handel": {
        "Der Innenstadtbesuch aus Kundensicht – Kontaktpunkte bewerten": (
            "Der Innenstadtbesuch aus Kundensicht – Die Reise durchspielen"
        ),
        "Der Innenstadtbesuch aus Kundensicht – Prioritäten setzen": (
            "Der Innenstadtbesuch aus Kundensicht – Die Reise durchspielen"
        ),
        "Ergebnisse der Testkäufe – Stärken und Lücken einschätzen": "Ergebnisse der Testkäufe – Eindrücke sammeln",
    },
}
LENGTHS = {
    "ideen-werkstatt-2-stunden": 120,
    "ideen-werkstatt-kompakt": 225,
    "erfahrungsaustausch-mit-rundgang": 240,
    "fokusgruppe-jugend": 240,
    "fokusgruppe-senioren": 150,
    "werkstatt-gespraech-handel": 120,
}


def test_every_shipped_template_is_covered() -> None:
    assert set(INTENDED) == set(shipped().agendas) == set(LENGTHS)


def test_a_card_choice_that_does_not_fit_is_reported() -> None:
    file, template = shipped().agendas["ideen-werkstatt-2-stunden"]
    data = template.model_dump(mode="json", exclude_none=True)
    data["steps"][5]["cards"]["Punkte vergeben"] = {"from": "step", "block": 1, "step": "Reihum antworten"}
    data["steps"][5]["cards"]["Ergebnis zeigen"] = {"from": "top", "block": 7, "n": 3}
    problems = dict(card_choice_problems(AgendaTemplate.model_validate(data), shipped().cards))
    assert problems == {
        "steps.5.cards.Punkte vergeben": "„from: step“ braucht einen Schritt, der Karten sammelt.",
        "steps.5.cards.Ergebnis zeigen": "Die Karten müssen aus einem früheren Schritt kommen.",
    }, file


async def _ideas(client: AsyncTestClient[Any], base: str, token: str) -> dict[str, str]:
    response = await as_guest(client, "GET", f"{base}/ideas", token)
    assert response.status_code == 200, response.text
    return {idea["text"]: idea["id"] for idea in response.json()}


@pytest.mark.parametrize("slug", sorted(INTENDED))
async def test_each_choosing_step_offers_the_cards_of_its_intended_step(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, slug: str
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, planned_minutes=LENGTHS[slug])
    applied = await post_form(client, f"/werkstaetten/{workshop.id}/ablauf/vorlage", {"template": slug, "replace": "1"})
    assert applied.status_code == 303, applied.text
    query = select(AgendaStep).where(AgendaStep.workshop_id == workshop.id).order_by(AgendaStep.position)
    steps = list((await db.execute(query)).scalars())
    assert sum(step.minutes for step in steps) == LENGTHS[slug], "the blocks still add up to the evening"
    intended = INTENDED[slug]
    choosing = [step.title for step in steps if step.mechanic in CHOOSING]
    assert sorted(choosing) == sorted(intended), "every vote, rank and matrix step is named above"
    assert all("cards" in (step.config or {}) for step in steps if step.mechanic in CHOOSING), "each one explicit"

    base = f"/api/workshops/{workshop.id}"
    posted: dict[str, set[str]] = {}  # collect step title → its card texts
    dotted: dict[str, set[str]] = {}  # vote step title → the texts of the cards that got dots
    for step in steps:
        started = await client.post(
            f"{base}/commands", json={"type": "start_step", "step": step.position}, headers=SAME_ORIGIN
        )
        assert started.status_code == 200, started.text
        # Two people new to each step: one person's posts are spaced by the post interval.
        names = [f"Anna {step.position + 1}", f"Bert {step.position + 1}"]
        if step.mechanic == "collect" and (step.config or {}).get("coach_only"):
            text = f"Moderation in Schritt {step.position + 1}"
            response = await client.post(f"{base}/ideas", json={"text": text}, headers=SAME_ORIGIN)
            assert response.status_code == 201, response.text
            posted[step.title] = {text}
        elif step.mechanic == "collect":
            posted[step.title] = set()
            for name in names:
                guest = await join(client, workshop.join_code, name)
                text = f"{name}: Karte"
                response = await as_guest(client, "POST", f"{base}/ideas", guest["token"], json={"text": text})
                assert response.status_code == 201, response.text
                posted[step.title].add(text)
            if (step.config or {}).get("blind"):
                revealed = await client.post(f"{base}/commands", json={"type": "reveal"}, headers=SAME_ORIGIN)
                assert revealed.status_code == 200, revealed.text
        elif step.mechanic in CHOOSING:
            guests = [await join(client, workshop.join_code, name) for name in names]
            offered = await _ideas(client, base, guests[0]["token"])
            source = intended[step.title]
            expected = dotted[source[1]] if isinstance(source, tuple) else posted[source]
            assert set(offered) == expected, f"{step.position + 1}. {step.title}"
            if step.mechanic == "vote":
                for guest, text in zip(guests, sorted(offered), strict=False):
                    vote = await as_guest(
                        client, "POST", f"{base}/votes", guest["token"], json={"idea_id": offered[text]}
                    )
                    assert vote.status_code == 201, vote.text
                dotted[step.title] = set(sorted(offered)[: len(guests)])
