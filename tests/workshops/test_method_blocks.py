"""Planning by method: the agenda shows each method's steps under one heading that moves and goes as a whole;
the shipped 2-hour Ideen-Werkstatt fits 120 minutes; the run sheet is grouped the same way and carries the
join QR code; the A4 join poster shows code, link and QR code."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.html import parse, text_of
from tests.workshops.helpers import coach_setup, new_workshop, positions, post_form
from werkstatt.settings import Settings


def block_titles(html: str) -> list[str]:
    """The method headings, without the cards' explanations in brackets ("Kartenabfrage (Metaplan)")."""
    return [node.get_text(strip=True).split(" (")[0] for node in parse(html).select("#agenda-list .method-name")]


async def test_the_two_hour_template_fits_and_is_grouped_by_method(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, planned_minutes=120)
    base = f"/werkstaetten/{workshop.id}"
    applied = await post_form(
        client, f"{base}/ablauf/vorlage", {"template": "ideen-werkstatt-2-stunden", "replace": "1"}, htmx=True
    )
    assert applied.status_code == 200, applied.text
    assert text_of(applied.text, "#timebox label") == "Summe der Zeitblöcke: 120 von 120 Minuten"
    assert parse(applied.text).select_one("#timebox-warning") is None
    titles = block_titles(applied.text)
    assert titles == ["Blitzlicht", "Kartenabfrage", "Kopfstandmethode", "Mehrpunktabfrage", "Maßnahmen-/Aktionsplan"]
    facts = [node.get_text(strip=True) for node in parse(applied.text).select("#agenda-list .method-facts")]
    assert facts[1] == "4 Schritte · 25 Min."
    assert len(parse(applied.text).select("#agenda-list details.method-details[open]")) == 5


async def test_a_method_moves_and_goes_as_a_whole(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, planned_minutes=180)
    base = f"/werkstaetten/{workshop.id}"
    await post_form(client, f"{base}/ablauf/frei", {"title": "Begrüßung", "minutes": "10"})
    await post_form(client, f"{base}/ablauf/methode", {"method_slug": "kartenabfrage"})
    await post_form(client, f"{base}/ablauf/methode", {"method_slug": "mehrpunktabfrage"})
    before = await positions(db, workshop.id)
    assert len(before) == 1 + 4 + 4
    page = await client.get(base)
    first_vote = parse(page.text).select("#agenda-list li.method-block")[2]["data-block-first"]

    moved = await post_form(client, f"{base}/ablauf/methode/{first_vote}/hoch", {}, htmx=True)
    assert moved.status_code == 200
    assert block_titles(moved.text) == ["Mehrpunktabfrage", "Kartenabfrage"]
    assert parse(moved.text).select_one("#agenda")["data-focus"] == f"block-up-{first_vote}"
    after = [title for _p, title in await positions(db, workshop.id)]
    assert after == [before[0][1]] + [t for _p, t in before[5:]] + [t for _p, t in before[1:5]]

    top = await post_form(client, f"{base}/ablauf/methode/{first_vote}/hoch", {})
    assert top.status_code == 303
    assert [t for _p, t in await positions(db, workshop.id)][:4] == [t for _p, t in before[5:]], "past a free step"
    assert (await post_form(client, f"{base}/ablauf/methode/{first_vote}/hoch", {})).status_code == 303
    assert [t for _p, t in await positions(db, workshop.id)][:4] == [t for _p, t in before[5:]], "stays at the top"

    removed = await post_form(client, f"{base}/ablauf/methode/{first_vote}/loeschen", {}, htmx=True)
    assert removed.status_code == 200
    rows = await positions(db, workshop.id)
    assert [t for _p, t in rows] == [t for _p, t in before[:5]]
    assert [p for p, _t in rows] == list(range(5))
    assert block_titles(removed.text) == ["Kartenabfrage"]


async def test_run_sheet_is_compact_with_qr_and_the_poster_prints_the_door(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org, account = await coach_setup(client, db, settings)
    workshop = await new_workshop(db, account, org, planned_minutes=120, starts_at="2031-06-02T16:00:00Z")
    base = f"/werkstaetten/{workshop.id}"
    await post_form(client, f"{base}/ablauf/vorlage", {"template": "ideen-werkstatt-2-stunden", "replace": "1"})
    sheet = await client.get(f"{base}/ablaufplan")
    soup = parse(sheet.text)
    assert soup.select_one(".runsheet-join svg path") is not None, "the QR code is inline SVG, no request"
    assert "<?xml" not in sheet.text
    assert text_of(sheet.text, "#runsheet-code") == workshop.join_code
    methods = [row.get_text(" ", strip=True) for row in soup.select("#runsheet-steps tr.rs-method")]
    assert methods[0].startswith("18:05 · 10 Min. Blitzlicht")  # 16:00 UTC = 18:00 in Berlin; after 5 min
    assert len(methods) == 5, "one heading row per method: its question and warning once, not per step"
    assert all(len(node.get_text()) <= 220 for node in soup.select(".rs-instructions"))

    plan = await client.get(base)
    assert parse(plan.text).select_one("#poster-link")["href"] == f"{base}/plakat"
    poster = await client.get(f"{base}/plakat")
    assert poster.status_code == 200
    soup = parse(poster.text)
    assert text_of(poster.text, "#poster-code") == workshop.join_code
    assert f"/beitreten/{workshop.join_code}" in text_of(poster.text, ".poster-link")
    assert soup.select_one(".poster-qr svg path") is not None
    assert "Mitmachen" in text_of(poster.text, ".poster-call")
