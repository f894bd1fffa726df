"""The JSON API of API.md for auth, networks, focus topics and towns: contract fields, problem JSON in German,
bad input that changes nothing, network isolation, and no CSRF through the cookie session."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import PASSWORD, sign_in
from tests.network.conftest import Org
from werkstatt.network.models import FocusTopic, KernteamMember, Network, Town, TownFocusTopic
from werkstatt.settings import Settings


async def token_for(client: AsyncTestClient[Any], email: str) -> dict[str, str]:
    response = await client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    return {"authorization": f"Bearer {body['token']}"}


async def count(db: AsyncSession, model: Any) -> int:
    await db.commit()
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


def problem_fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return {item["field"]: item["message"] for item in body.get("errors", [])}


async def test_token_and_reading_the_own_network(client: AsyncTestClient[Any], db: AsyncSession, org: Org) -> None:
    wrong = await client.post("/api/auth/token", json={"email": org.accounts["coach"].email, "password": "falsch"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "E-Mail-Adresse oder Passwort stimmen nicht."
    extra = await client.post("/api/auth/token", json={"email": "a@b.de", "password": "x", "role": "admin"})
    assert extra.status_code == 422
    assert problem_fields(extra) == {"role": "Unbekanntes Feld."}
    assert (await client.get("/api/networks")).status_code == 401

    coach = await token_for(client, org.accounts["coach"].email)
    networks = (await client.get("/api/networks", headers=coach)).json()
    assert networks == [{"id": str(org.a.network.id), "name": org.a.network.name}]
    topics = (await client.get(f"/api/networks/{org.a.network.id}/focus-topics", headers=coach)).json()
    assert [topic["name"] for topic in topics] == [topic.name for topic in org.a.topics]
    assert set(topics[0]) == {"id", "name"}
    towns = (await client.get(f"/api/networks/{org.a.network.id}/towns", headers=coach)).json()
    assert sorted(town["name"] for town in towns) == ["Annaberg-Buchholz", "Zschopau"]
    assert set(towns[0]) >= {"id", "name", "focus_topic_ids"}

    town = org.a.towns[0]
    db.add(TownFocusTopic(town_id=town.id, focus_topic_id=org.a.topics[2].id, priority=1, note="WLAN am Markt"))
    await db.commit()
    detail = (await client.get(f"/api/towns/{town.id}", headers=coach)).json()
    assert detail["id"] == str(town.id) and detail["name"] == town.name
    assert detail["network_id"] == str(org.a.network.id)
    assert detail["focus_topic_ids"] == [str(org.a.topics[2].id)]
    assert detail["focus_topics"][0]["note"] == "WLAN am Markt"
    member = (await db.execute(select(KernteamMember).where(KernteamMember.town_id == town.id))).scalar_one()
    assert detail["kernteam"] == [
        {"id": str(member.id), "display_name": "Kernteam Annaberg-Buchholz", "role": "verwaltung"}
    ]

    admin = await token_for(client, org.accounts["admin"].email)
    everything = (await client.get("/api/networks", headers=admin)).json()
    assert {network["name"] for network in everything} == {org.a.network.name, org.b.network.name}


async def test_another_networks_ids_are_not_found(client: AsyncTestClient[Any], org: Org) -> None:
    other = await token_for(client, org.accounts["other_coach"].email)
    for path in (
        f"/api/networks/{org.a.network.id}/focus-topics",
        f"/api/networks/{org.a.network.id}/towns",
        f"/api/towns/{org.a.towns[0].id}",
        f"/api/towns/{uuid.uuid4()}",
        "/api/towns/keine-uuid",
    ):
        response = await client.get(path, headers=other)
        assert response.status_code == 404, path
        assert response.json()["title"] == "Nicht gefunden"
    own = await client.get(f"/api/towns/{org.b.towns[0].id}", headers=other)
    assert own.status_code == 200
    network_admin = await token_for(client, org.accounts["network_admin"].email)
    foreign = await client.post(
        f"/api/networks/{org.b.network.id}/towns", json={"name": "Kuckucksei"}, headers=network_admin
    )
    assert foreign.status_code == 404


async def test_creating_networks_topics_and_towns(client: AsyncTestClient[Any], db: AsyncSession, org: Org) -> None:
    admin = await token_for(client, org.accounts["admin"].email)
    created = await client.post("/api/networks", json={"name": "  Netzwerk Lausitz  "}, headers=admin)
    assert created.status_code == 201
    assert created.json()["name"] == "Netzwerk Lausitz" and set(created.json()) == {"id", "name"}

    network_admin = await token_for(client, org.accounts["network_admin"].email)
    base = f"/api/networks/{org.a.network.id}"
    topic = await client.post(f"{base}/focus-topics", json={"name": "Grün in der Stadt"}, headers=network_admin)
    assert topic.status_code == 201
    topic_id = topic.json()["id"]
    town = await client.post(
        f"{base}/towns",
        json={"name": "Olbernhau", "focus_topic_ids": [topic_id, str(org.a.topics[0].id)]},
        headers=network_admin,
    )
    assert town.status_code == 201, town.text
    assert town.json()["name"] == "Olbernhau"
    assert town.json()["focus_topic_ids"] == [topic_id, str(org.a.topics[0].id)]
    detail = (await client.get(f"/api/towns/{town.json()['id']}", headers=network_admin)).json()
    assert [topic["priority"] for topic in detail["focus_topics"]] == [1, 2]


async def test_bad_input_is_a_german_problem_and_stores_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, org: Org
) -> None:
    admin = await token_for(client, org.accounts["admin"].email)
    network_admin = await token_for(client, org.accounts["network_admin"].email)
    base = f"/api/networks/{org.a.network.id}"
    networks, towns, topics = await count(db, Network), await count(db, Town), await count(db, FocusTopic)
    cases: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
        ("/api/networks", {"name": ""}, admin, "name"),
        ("/api/networks", {"name": "   "}, admin, "name"),
        ("/api/networks", {"name": "x" * 121}, admin, "name"),
        ("/api/networks", {"name": org.b.network.name.upper()}, admin, "name"),
        ("/api/networks", {"name": "A\x00B"}, admin, "name"),
        ("/api/networks", {"name": "Rechts\u202enach links"}, admin, "name"),
        ("/api/networks", {"name": "Gut", "slug": "x"}, admin, "slug"),
        (f"{base}/focus-topics", {"name": org.a.topics[0].name.lower()}, network_admin, "name"),
        (f"{base}/focus-topics", {}, network_admin, "name"),
        (f"{base}/towns", {"name": "zschopau"}, network_admin, "name"),
        (f"{base}/towns", {"name": "ZSCHOPAU "}, network_admin, "name"),
        (f"{base}/towns", {"name": "y" * 500}, network_admin, "name"),
        (f"{base}/towns", {"name": "Neu", "focus_topic_ids": [str(uuid.uuid4())]}, network_admin, "focus_topic_ids"),
        (
            f"{base}/towns",
            {"name": "Neu", "focus_topic_ids": [str(org.b.topics[0].id)]},
            network_admin,
            "focus_topic_ids",
        ),
        (f"{base}/towns", {"name": "Neu", "focus_topic_ids": ["keine-uuid"]}, network_admin, "focus_topic_ids.0"),
        (f"{base}/towns", {"name": "Neu", "focus_topic_ids": "alle"}, network_admin, "focus_topic_ids"),
        (f"{base}/towns", {"name": 42}, network_admin, "name"),
    ]
    for url, body, headers, field in cases:
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        errors = problem_fields(response)
        assert field in errors, (body, errors)
        assert errors[field] and errors[field][0].isupper(), errors  # a German sentence, not a code
    broken = await client.post(
        f"{base}/towns", content=b"{kein json", headers={**network_admin, "content-type": "application/json"}
    )
    assert broken.status_code in {400, 422}
    assert broken.json()["detail"]
    assert (await count(db, Network), await count(db, Town), await count(db, FocusTopic)) == (networks, towns, topics)


async def test_cookie_session_cannot_be_used_cross_site_for_unsafe_api_calls(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await sign_in(client, db, settings, org.accounts["network_admin"])
    url = f"/api/networks/{org.a.network.id}/focus-topics"
    assert (await client.get(url)).status_code == 200, "reading with the cookie is fine"
    plain = await client.post(url, json={"name": "Von woanders"})
    assert plain.status_code == 403
    forged = await client.post(url, json={"name": "Von woanders"}, headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    assert await db.scalar(select(func.count()).where(FocusTopic.name == "Von woanders")) == 0
    same = await client.post(url, json={"name": "Aus der Seite"}, headers={"origin": "http://testserver.local"})
    assert same.status_code == 201
    fetched = await client.post(url, json={"name": "Per fetch"}, headers={"sec-fetch-site": "same-origin"})
    assert fetched.status_code == 201


async def test_openapi_lists_the_organisation_endpoints(client: AsyncTestClient[Any]) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/auth/token",
        "/api/networks",
        "/api/networks/{network_id}/focus-topics",
        "/api/networks/{network_id}/towns",
        "/api/towns/{town_id}",
    ):
        assert path in paths, path
    assert "201" in paths["/api/networks"]["post"]["responses"]
