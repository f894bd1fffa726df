"""Network cards: create, edit with version history, fork, visibility, upload errors, zip download, injection."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import yaml
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import csrf_headers
from tests.factories import make_account, make_network, sign_in
from tests.html import by_id, parse, text_of
from werkstatt.catalogue.models import Method, MethodVersion
from werkstatt.network.models import Role
from werkstatt.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def form_of(card: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The card form's fields for a card (like a browser would post them)."""
    card = {**card, **changes}
    core = {
        "slug",
        "name",
        "summary",
        "purpose",
        "category",
        "participation",
        "duration",
        "group_size",
        "setting",
        "target_groups",
        "focus_topics",
        "steps",
        "version",
    }
    more = {key: value for key, value in card.items() if key not in core}
    return {
        "slug": card["slug"],
        "name": card["name"],
        "summary": card["summary"],
        "purpose": card["purpose"],
        "category": card["category"],
        "participation": card["participation"],
        "duration_min": str(card["duration"]["min"]),
        "duration_typical": str(card["duration"]["typical"]),
        "duration_max": str(card["duration"]["max"]),
        "group_min": str(card["group_size"]["min"]),
        "group_optimal": str(card["group_size"]["optimal"]),
        "group_max": str(card["group_size"].get("max") or ""),
        "setting": card["setting"],
        "target_groups": card.get("target_groups", []),
        "focus_topics": card.get("focus_topics", []),
        "steps_yaml": yaml.safe_dump(card["steps"], allow_unicode=True),
        "more_yaml": yaml.safe_dump(more, allow_unicode=True),
        "visibility": "network",
        "note": "",
    }


def shipped(slug: str = "kartenabfrage") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "methods" / f"{slug}.yaml").read_text())
    return data


async def coach_of(client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, role: Role = Role.coach) -> Any:
    network = (await make_network(db)).network
    account = await make_account(db, role, network)
    await sign_in(client, db, settings, account)
    return network


async def test_create_edit_and_version_history(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    card = shipped()
    data = form_of(card, slug="kartenabfrage-jugend", name="Kartenabfrage Jugend", target_groups=["jugendliche"])
    created = await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/methoden/kartenabfrage-jugend"

    data.update(name="Kartenabfrage im Zauberwald", note="Name geschärft", duration_max="50")
    edited = await client.post(
        "/methoden/kartenabfrage-jugend/bearbeiten", data=data, headers=headers, follow_redirects=False
    )
    assert edited.status_code == 303, edited.text

    history = await client.get("/methoden/kartenabfrage-jugend/versionen")
    items = parse(history.text).select("#version-list > li")
    assert len(items) == 2
    assert "Version 2" in items[0].get_text() and "Name geschärft" in items[0].get_text()
    assert "Test coach" in items[0].get_text()
    page = await client.get("/methoden/kartenabfrage-jugend")
    assert text_of(page.text, "#method-title") == "Kartenabfrage im Zauberwald"
    found = [item["slug"] for item in (await client.get("/api/methods?q=Zauberwald")).json()]
    assert found == ["kartenabfrage-jugend"]  # the search index follows the edit
    card_json = (await client.get("/api/methods/kartenabfrage-jugend")).json()
    assert card_json["version"] == 2 and card_json["duration"]["max"] == 50


async def test_form_errors_name_the_field_and_store_nothing(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    card = shipped()
    data = form_of(card, slug="kartenabfrage", name="")
    data["steps_yaml"] = data["steps_yaml"].replace("mechanic: collect", "mechanic: sammeln")
    data["duration_max"] = "10"
    response = await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
    assert response.status_code == 422
    assert "Pflichtfeld" in text_of(response.text, "#f-name-error") or "Zeichen" in text_of(
        response.text, "#f-name-error"
    )
    assert "Schritt 2 › board.mechanic" in text_of(response.text, "#f-steps_yaml-error")
    assert by_id(response.text, "f-duration_min-error")
    data = form_of(card, slug="kartenabfrage")  # valid card, but the slug belongs to a shipped card
    response = await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
    assert response.status_code == 422 and by_id(response.text, "f-slug-error")
    total = await synced.scalar(select(func.count()).select_from(Method).where(Method.origin == "network"))
    assert total == 0


async def test_fork_keeps_its_origin(client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings) -> None:
    network = await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    form = await client.get("/methoden/world-cafe/variante")
    assert by_id(form.text, "f-slug")["value"] == "world-cafe-variante"
    response = await client.post(
        "/methoden/world-cafe/variante",
        data={"slug": "world-cafe-kurz", "name": "World Café kurz"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/methoden/world-cafe-kurz/bearbeiten"
    fork = await synced.scalar(select(Method).where(Method.slug == "world-cafe-kurz"))
    original = await synced.scalar(select(Method).where(Method.slug == "world-cafe"))
    assert fork is not None and original is not None
    assert fork.forked_from_id == original.id and fork.network_id == network.id and fork.visibility == "network"
    versions = (await synced.scalars(select(MethodVersion).where(MethodVersion.method_id == fork.id))).all()
    assert [v.note for v in versions] == ["Variante von „World Café“ angelegt"]
    page = await client.get("/methoden/world-cafe-kurz")
    link = parse(page.text).select_one('a[href="/methoden/world-cafe"]')
    assert link is not None and link.get_text() == "World Café"
    bad = await client.post(
        "/methoden/world-cafe/variante",
        data={"slug": "Welt Café", "name": "x"},
        headers=headers,
        follow_redirects=False,
    )
    assert bad.status_code == 422 and by_id(bad.text, "f-slug-error")


async def test_visibility_and_permissions(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    card = shipped("blitzlicht")
    private = form_of(card, slug="blitzlicht-privat", name="Blitzlicht privat")
    shared = form_of(card, slug="blitzlicht-geteilt", name="Blitzlicht geteilt") | {"visibility": "shared"}
    for data in (private, shared):
        assert (
            await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
        ).status_code == 303
    assert (await client.get("/methoden/blitzlicht-privat")).status_code == 200

    other = await make_account(synced, Role.coach, (await make_network(synced)).network)
    await sign_in(client, synced, settings, other)
    assert (await client.get("/methoden/blitzlicht-privat")).status_code == 404
    assert (await client.get("/api/methods/blitzlicht-privat")).status_code == 404
    assert (await client.get("/methoden/blitzlicht-geteilt")).status_code == 200
    edit = await client.post(
        "/methoden/blitzlicht-geteilt/bearbeiten", data=shared, headers=headers, follow_redirects=False
    )
    assert edit.status_code == 403
    listed = {item["slug"] for item in (await client.get("/api/methods?q=Blitzlicht")).json()}
    assert "blitzlicht-geteilt" in listed and "blitzlicht-privat" not in listed

    client.cookies.clear()
    assert (await client.get("/methoden/blitzlicht-privat")).status_code == 404
    assert (await client.get("/methoden/blitzlicht-geteilt")).status_code == 200
    assert (await client.get("/methoden/neu")).status_code == 401
    headers = await csrf_headers(client)
    assert (
        await client.post(
            "/methoden/kartenabfrage/bewertung", data={"stars": "5"}, headers=headers, follow_redirects=False
        )
    ).status_code == 401


async def test_upload_errors_store_nothing_and_a_good_file_is_stored(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    network = await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    card = shipped("mehrpunktabfrage") | {"slug": "punkte-jugend", "name": "Punkten Jugend"}
    broken = dict(card, category="sonstiges", farbe="blau")
    broken["steps"] = [dict(card["steps"][0], minutes="viel"), *card["steps"][1:]]
    files = {"file": ("punkte-jugend.yaml", yaml.safe_dump(broken, allow_unicode=True).encode(), "application/yaml")}
    response = await client.post(
        "/methoden/hochladen", files=files, data={"visibility": "network"}, headers=headers, follow_redirects=False
    )
    assert response.status_code == 422
    problems = [li.get_text(" ", strip=True) for li in parse(response.text).select("#upload-errors li")]
    assert any(p.startswith("category :") or p.startswith("category:") for p in problems), problems
    assert any("farbe" in p and "Unbekanntes Feld" in p for p in problems)
    assert any("steps.0.minutes" in p and "ganze Zahl" in p for p in problems)
    not_yaml = {"file": ("x.yaml", b"name: [offen", "application/yaml")}
    response = await client.post("/methoden/hochladen", files=not_yaml, headers=headers, follow_redirects=False)
    assert response.status_code == 422 and "Kein gültiges YAML" in response.text
    assert await synced.scalar(select(func.count()).select_from(Method).where(Method.origin == "network")) == 0

    good = {"file": ("punkte-jugend.yaml", yaml.safe_dump(card, allow_unicode=True).encode(), "application/yaml")}
    response = await client.post(
        "/methoden/hochladen", files=good, data={"visibility": "shared"}, headers=headers, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/methoden/punkte-jugend"
    again = await client.post(
        "/methoden/hochladen", files=good, data={"visibility": "shared"}, headers=headers, follow_redirects=False
    )
    assert again.status_code == 303

    archive = await client.get("/methoden/export.zip")
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert zipped.namelist() == ["punkte-jugend.yaml"]
        exported = yaml.safe_load(zipped.read("punkte-jugend.yaml"))
    assert exported["name"] == "Punkten Jugend" and exported["slug"] == "punkte-jugend"
    stored = await synced.scalar(select(Method).where(Method.slug == "punkte-jugend"))
    assert stored is not None and stored.network_id == network.id and stored.visibility == "shared"


async def test_script_payloads_render_as_text(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    await coach_of(client, synced, settings)
    headers = await csrf_headers(client)
    card = shipped()
    card["steps"][0]["instructions"] = f"Achtung {PAYLOAD}"
    card["tips"] = [f"Tipp {PAYLOAD}"]
    data = form_of(card, slug="kartenabfrage-xss", name=f"Karte {PAYLOAD}"[:200], summary=f"Kurz </script>{PAYLOAD}")
    created = await client.post("/methoden/neu", data=data, headers=headers, follow_redirects=False)
    assert created.status_code == 303, created.text
    for url in ("/methoden/kartenabfrage-xss", "/methoden/kartenabfrage-xss/druck", "/methoden?q=Achtung"):
        page = await client.get(url)
        soup = parse(page.text)
        scripts = soup.find_all("script")
        assert all(s.get("src") or s.get("type") == "application/ld+json" for s in scripts), url
        assert not soup.select("img[onerror]"), url
        assert "<script>alert" not in page.text
    page = await client.get("/methoden/kartenabfrage-xss")
    assert PAYLOAD in text_of(page.text, "#method-title")
    jsonld = parse(page.text).select_one('script[type="application/ld+json"]')
    assert jsonld is not None and "</" not in jsonld.decode_contents()
    import json

    assert json.loads(jsonld.decode_contents())["name"].startswith("Karte <script>")
    fragment = await client.get("/methoden?q=Achtung", headers={"hx-request": "true"})
    assert "<script>alert" not in fragment.text and PAYLOAD in parse(fragment.text).get_text()
