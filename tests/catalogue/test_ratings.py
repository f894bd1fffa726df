"""Ratings aggregate into "erprobt in N Werkstätten, Ø x,y"; the workshop domain records usage idempotently."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import csrf_headers
from tests.factories import make_account, make_network, sign_in
from tests.html import by_id, parse, text_of
from werkstatt.catalogue.models import MethodUsage
from werkstatt.catalogue.service import get_method_card, list_agenda_templates, record_method_usage
from werkstatt.network.models import Role
from werkstatt.settings import Settings


async def test_ratings_aggregate_on_the_card(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    network = (await make_network(synced)).network
    coach = await make_account(synced, Role.coach, network)
    await sign_in(client, synced, settings, coach)
    headers = await csrf_headers(client)
    workshop = uuid.uuid4()
    posts = [
        {
            "stars": "5",
            "group_size": "40",
            "target_group": "senioren",
            "note": "Zurufabfrage klappte gut <b>fett</b>",
            "workshop_id": str(workshop),
        },
        {"stars": "4", "group_size": "", "target_group": "", "note": ""},
    ]
    for data in posts:
        response = await client.post(
            "/methoden/mehrpunktabfrage/bewertung", data=data, headers=headers, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    await record_method_usage(synced, method_slug="mehrpunktabfrage", workshop_id=workshop, network_id=network.id)
    await synced.commit()
    page = await client.get("/methoden/mehrpunktabfrage")
    assert text_of(page.text, "#method-stats") == "erprobt in 2 Werkstätten, Ø 4,5"
    notes = [li.get_text(" ", strip=True) for li in parse(page.text).select("#rating-list > li")]
    assert len(notes) == 2 and any("Zurufabfrage klappte gut <b>fett</b>" in note for note in notes)
    listed = await client.get("/methoden?q=Mehrpunktabfrage")
    assert "erprobt in 2 Werkstätten, Ø 4,5" in text_of(listed.text, "#method-mehrpunktabfrage")

    bad = await client.post(
        "/methoden/mehrpunktabfrage/bewertung", data={"stars": "7", "group_size": "viele"}, headers=headers
    )
    assert bad.status_code == 422
    assert text_of(bad.text, "#f-stars-error") == "Bitte 1 bis 5 Sterne wählen."
    assert by_id(bad.text, "f-group_size-error")


async def test_kernteam_may_not_rate(client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings) -> None:
    network = (await make_network(synced)).network
    member = await make_account(synced, Role.kernteam, network)
    await sign_in(client, synced, settings, member)
    headers = await csrf_headers(client)
    response = await client.post("/methoden/blitzlicht/bewertung", data={"stars": "3"}, headers=headers)
    assert response.status_code == 403
    page = await client.get("/methoden/blitzlicht")
    assert parse(page.text).select_one("form.rating-form") is None


async def test_usage_is_idempotent_and_services_for_workshops(synced: AsyncSession) -> None:
    network = (await make_network(synced)).network
    workshop = uuid.uuid4()
    for _ in range(3):
        await record_method_usage(synced, method_slug="kartenabfrage", workshop_id=workshop, network_id=network.id)
    await record_method_usage(synced, method_slug="gibt-es-nicht", workshop_id=workshop, network_id=network.id)
    await synced.commit()
    assert await synced.scalar(select(func.count()).select_from(MethodUsage)) == 1

    card = await get_method_card(synced, "kartenabfrage", network.id)
    assert card is not None and card.steps[1].board.mechanic == "collect"
    assert await get_method_card(synced, "gibt-es-nicht", None) is None
    templates = await list_agenda_templates(synced)
    assert {t.slug for t in templates} == {
        "erfahrungsaustausch-mit-rundgang",
        "fokusgruppe-jugend",
        "fokusgruppe-senioren",
        "ideen-werkstatt-2-stunden",
        "ideen-werkstatt-kompakt",
        "werkstatt-gespraech-handel",
    }
