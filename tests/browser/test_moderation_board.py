"""The moderation toolkit in Chromium: a blind collect step with three guests, reveal, clustering by keyboard,
a spotlighted cluster that the projector follows, and the shared timer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.test_live_board import coach_on_board, in_thread
from tests.conftest import Server, axe_violations
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {
        "title": "Verdeckt sammeln",
        "minutes": 5,
        "question": "Was fehlt am Markt?",
        "board": {"mechanic": "collect", "config": {"blind": True}},
    },
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
]
CARDS = {"Anna": "Trinkbrunnen am Markt", "Bernd": "Schattige Sitzplätze", "Clara": "Kinderspielecke"}


async def _setup(database_url: str) -> tuple[str, str, str]:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db, "Moderationstest", towns=("Olbernhau",))
        coach = await make_account(db, Role.coach, network.network, email="coach@olbernhau.example")
        data = WorkshopCreate.model_validate(
            {"town_id": str(network.towns[0].id), "title": "Marktplatz-Werkstatt", "agenda": AGENDA}
        )
        workshop = await create_workshop(db, account_snapshot(coach), data)
        await db.commit()
        result = (str(workshop.id), workshop.join_code, coach.email)
    await engine.dispose()
    return result


@pytest.mark.browser
def test_blind_reveal_cluster_spotlight_projector(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    workshop_id, code, email = in_thread(_setup(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"))
    base = live_server.url
    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 10_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Starten: Verdeckt sammeln").click()
    coach.wait_for_selector("#board.mode-collect")
    projector = coach_context.new_page()
    projector.goto(f"{base}/w/{workshop_id}/beamer")
    projector.wait_for_selector("#live-status[data-state='online']", state="attached")

    guests = {}
    for name, text in CARDS.items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{base}/beitreten/{code}")
        page.fill("#f-display_name", name)
        page.get_by_role("button", name="Mitmachen").click()
        page.wait_for_selector("#live-status[data-state='online']")
        page.fill("#idea-text", text)
        page.get_by_role("button", name="Karte posten").click()
        page.locator(".idea-text", has_text=text).wait_for()
        guests[name] = page
    anna = guests["Anna"]
    # others' blind cards arrive live and fold into one line; her own card stays a card
    anna.wait_for_selector("#blind-count-step-0:has-text('2 verdeckte Karten')")
    assert anna.locator("#board .idea").count() == 1
    assert anna.locator(".idea-blind").count() == 0
    for other in ("Schattige Sitzplätze", "Kinderspielecke"):
        assert other not in anna.content()
    anna.screenshot(path=str(screenshot_dir / "moderation-guest-blind.png"), full_page=True)
    coach.locator(".idea-text", has_text="Kinderspielecke").wait_for()

    coach.get_by_role("button", name="Timer starten").click()
    anna.wait_for_selector("#timer.is-running")
    coach.get_by_role("button", name="Karten aufdecken").click()
    anna.locator(".idea-text", has_text="Kinderspielecke").wait_for()
    assert anna.locator(".idea-blind").count() == 0

    coach.get_by_role("button", name="Starten: Ordnen").click()
    coach.wait_for_selector("#board.mode-cluster")
    coach.focus("#cluster-name")
    coach.keyboard.type("Aufenthalt")
    coach.keyboard.press("Enter")
    coach.wait_for_selector(".cluster h3:has-text('Aufenthalt')")
    card_id = coach.get_by_role("article", name="Schattige Sitzplätze").get_attribute("data-idea-id")
    coach.focus(f"#idea-{card_id} [data-open='move-dialog']")
    coach.keyboard.press("Enter")
    coach.wait_for_selector("#move-dialog[open]")
    coach.keyboard.type("Aufenthalt")
    coach.keyboard.press("Tab")
    coach.keyboard.press("Enter")
    coach.wait_for_selector("#move-dialog:not([open])", state="attached")
    coach.wait_for_selector(f".cluster:has(h3:has-text('Aufenthalt')) #idea-{card_id}")
    anna.wait_for_selector(f".cluster:has(h3:has-text('Aufenthalt')) #idea-{card_id}")
    coach.get_by_role("button", name="Cluster hervorheben: Aufenthalt").click()
    projector.wait_for_selector("#spotlight:has-text('Aufenthalt')")
    assert "Schattige Sitzplätze" in projector.locator("#spotlight").inner_text()
    anna.wait_for_selector("#spotlight:has-text('Aufenthalt')")

    # Merging by keyboard through the one shared dialog: Escape closes it and focus returns to the button
    source_id = coach.get_by_role("article", name="Kinderspielecke").get_attribute("data-idea-id")
    coach.focus(f"#idea-{source_id} .idea-moderate summary")
    coach.keyboard.press("Enter")
    merge_button = f"#idea-{source_id} [data-open='merge-dialog']"
    coach.focus(merge_button)
    coach.keyboard.press("Enter")
    coach.wait_for_selector("#merge-dialog[open]")
    assert coach.evaluate("() => document.activeElement.id") == "merge-target"
    assert "Kinderspielecke" not in coach.locator("#merge-target").inner_text()
    assert [(v["id"], [n["html"][:100] for n in v["nodes"]]) for v in axe_violations(coach)] == []
    coach.keyboard.press("Escape")
    coach.wait_for_selector("#merge-dialog:not([open])", state="attached")
    assert coach.evaluate("s => document.activeElement === document.querySelector(s)", merge_button)
    coach.keyboard.press("Enter")
    coach.wait_for_selector("#merge-dialog[open]")
    coach.keyboard.type("Trinkbrunnen")
    coach.keyboard.press("Tab")
    coach.keyboard.press("Enter")
    coach.wait_for_selector(f"#idea-{source_id}", state="detached")
    anna.wait_for_selector(f"#idea-{source_id}", state="detached")
    assert coach.locator("#merge-dialog[open]").count() == 0

    coach.screenshot(path=str(screenshot_dir / "moderation-coach-clusters.png"), full_page=True)
    projector.screenshot(path=str(screenshot_dir / "moderation-projector-spotlight.png"), full_page=True)
    anna.screenshot(path=str(screenshot_dir / "moderation-guest-clusters.png"), full_page=True)
    assert [(v["id"], [n["html"][:100] for n in v["nodes"]]) for v in axe_violations(coach)] == []
    assert [(v["id"], [n["html"][:100] for n in v["nodes"]]) for v in axe_violations(anna)] == []
    coach_context.close()
