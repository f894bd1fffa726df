"""Filters and German full-text search on SQLite (FTS5) and PostgreSQL (`german`), as page, fragment and API."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.html import by_id, parse
from werkstatt.catalogue.service import MethodQuery, search_methods, sync_methods

VACANCY = {"leerstandskartierung", "pop-up-store", "ideenwettbewerb-leerstand"}


async def _slugs(client: AsyncTestClient[Any], query: str) -> list[str]:
    response = await client.get(f"/api/methods?{query}")
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()]


async def test_leerstand_finds_the_vacancy_methods(client: AsyncTestClient[Any], synced: AsyncSession) -> None:
    found = await _slugs(client, "q=Leerstand")
    assert set(found[:4]) >= VACANCY - {"pop-up-store"} and set(found) >= VACANCY
    inflected = await _slugs(client, "q=Leerst%C3%A4nde")
    assert set(inflected) >= VACANCY
    assert await _slugs(client, "q=Leerst%C3%A4nden") == inflected
    assert await _slugs(client, "q=Zwischennutzung") != []
    assert await _slugs(client, "q=xyzzyquux") == []


async def test_filters_narrow(client: AsyncTestClient[Any], synced: AsyncSession) -> None:
    everything = await _slugs(client, "")
    seniors = await _slugs(client, "target_group=senioren")
    short = await _slugs(client, "target_group=senioren&max_minutes=30")
    assert len(everything) == 44
    assert set(short) < set(seniors) < set(everything)
    assert "blitzlicht" in short and "stadtrundgang" not in short
    response = await client.get("/api/methods?target_group=senioren&max_minutes=30")
    for item in response.json():
        assert item["duration"]["min"] <= 30
    implement = await _slugs(client, "category=projektumsetzung&max_minutes=30")
    assert set(implement) == {"fuenfzehn-prozent-loesungen", "aufwand-nutzen-matrix", "aktionsplan", "mehrpunktabfrage"}
    big = await _slugs(client, "group_size=100")
    assert "kollegiale-fallberatung" not in big and "open-space" in big
    assert "stadtrundgang" in await _slugs(client, "setting=unterwegs")
    assert set(await _slugs(client, "mechanic=rate_matrix")) >= {"aufwand-nutzen-matrix"}
    assert "leerstandskartierung" in await _slugs(client, "focus_topic=leerstand-brachflaechen")
    assert "zukunftswerkstatt" in await _slugs(client, "phase=zw-phantasie")
    response = await client.get("/api/methods?q=Leerstand&category=projektumsetzung")
    combined = {item["slug"] for item in response.json()}
    assert {"ideenwettbewerb-leerstand", "pop-up-store"} <= combined
    assert {item["category"] for item in response.json()} == {"projektumsetzung"}


async def test_service_search_matches_the_api(db: AsyncSession) -> None:
    await sync_methods(db)
    found = await search_methods(db, MethodQuery(q="Leerstände", category="sensibilisierung"))
    assert "leerstandskartierung" in [m.slug for m in found]
    assert all(m.category == "sensibilisierung" for m in found)


async def test_sync_is_idempotent(db: AsyncSession) -> None:
    first = await sync_methods(db)
    second = await sync_methods(db)
    assert first["created"] == 44 and second == {"created": 0, "updated": 0, "unchanged": 44, "agendas": 6}


async def test_bad_parameters_get_a_german_problem(client: AsyncTestClient[Any], synced: AsyncSession) -> None:
    for query, field in [
        ("max_minutes=abc", "max_minutes"),
        ("category=sonstiges", "category"),
        ("group_size=0", "group_size"),
    ]:
        response = await client.get(f"/api/methods?{query}")
        assert response.status_code in {400, 422}, response.text
        body = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["errors"][0]["field"] == field
    missing = await client.get("/api/methods/gibt-es-nicht")
    assert missing.status_code == 404 and missing.json()["title"] == "Nicht gefunden"


async def test_api_shapes(client: AsyncTestClient[Any], synced: AsyncSession) -> None:
    listed = (await client.get("/api/methods?q=Kartenabfrage")).json()
    first = next(item for item in listed if item["slug"] == "kartenabfrage")
    assert {"slug", "name", "category", "duration", "group_size", "board_mechanics"} <= set(first)
    assert first["duration"] == {"min": 20, "typical": 35, "max": 45}
    assert first["board_mechanics"] == ["discuss", "collect", "cluster"]
    card = (await client.get("/api/methods/kartenabfrage")).json()
    assert card["slug"] == "kartenabfrage" and card["sources"][0]["title"]
    step = card["steps"][1]
    assert set(step) >= {"title", "minutes", "board"}
    assert step["board"] == {"mechanic": "collect", "config": {"blind": True, "max_cards_per_person": 5}}
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/methods" in schema["paths"] and "/api/methods/{slug}" in schema["paths"]


async def test_list_page_and_htmx_fragment(client: AsyncTestClient[Any], synced: AsyncSession) -> None:
    page = await client.get("/methoden?category=projektumsetzung&max_minutes=30")
    assert page.status_code == 200
    form = by_id(page.text, "method-filters")
    assert form["hx-get"] == "/methoden" and form["hx-push-url"] == "true" and form["hx-target"] == "#results"
    selected = parse(page.text).select_one("#f-category option[selected]")
    assert selected is not None and selected["value"] == "projektumsetzung"
    cards = parse(page.text).select("#method-list > li")
    assert len(cards) == 4
    nav = parse(page.text).select_one('.main-nav a[aria-current="page"]')
    assert nav is not None and nav["href"] == "/methoden"

    fragment = await client.get("/methoden?q=Leerst%C3%A4nde", headers={"hx-request": "true"})
    assert "<html" not in fragment.text
    ids = {li["id"] for li in parse(fragment.text).select("#method-list > li")}
    assert {f"method-{slug}" for slug in VACANCY} <= ids

    restore = await client.get(
        "/methoden?q=Leerstand", headers={"hx-request": "true", "hx-history-restore-request": "true"}
    )
    assert "<html" in restore.text
