"""A coach and three guests in real Chromium: join by code, post, see each other live, follow the coach's
steps, and catch up after going offline."""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server, axe_violations
from tests.factories import PASSWORD, make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {
        "title": "Was stört in der Innenstadt?",
        "minutes": 10,
        "question": "Was stört Sie am Markt?",
        "board": {"mechanic": "collect", "config": {"max_length": 200}},
    },
    {"title": "Gemeinsam besprechen", "minutes": 15, "board": {"mechanic": "discuss"}},
]


def in_thread(coroutine: Any) -> Any:
    """Playwright's sync API keeps a loop running in this thread: run database setup in another one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def plan_workshop(
    database_url: str,
    agenda: list[dict[str, Any]],
    *,
    title: str = "Ideen-Werkstatt Marktplatz",
    network_name: str = "Lust auf Innenstadt (Test)",
    email: str = "moderation@marienberg.example",
    target_groups: tuple[str, ...] = ("jugendliche", "senioren"),
) -> tuple[str, str, str]:
    """A planned workshop in Marienberg with its coach: (workshop id, join code, the coach's email)."""
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db, network_name, towns=("Marienberg",))
        coach = await make_account(db, Role.coach, network.network, email=email)
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": title,
                "agenda": agenda,
                "target_groups": list(target_groups),
            }
        )
        workshop = await create_workshop(db, account_snapshot(coach), data)
        await db.commit()
        result = (str(workshop.id), workshop.join_code, coach.email)
    await engine.dispose()
    return result


def coach_on_board(
    browser: Any, base: str, email: str, workshop_id: str, viewport: tuple[int, int], timeout: int
) -> tuple[Any, Any]:
    """The coach signed in through the login form, on the workshop's board: (their context, the page)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(timeout)
    coach = context.new_page()
    coach.goto(f"{base}/anmelden")
    coach.fill("#f-email", email)
    coach.fill("#f-password", PASSWORD)
    coach.get_by_role("button", name="Anmelden").click()
    coach.wait_for_load_state("networkidle")
    coach.goto(f"{base}/w/{workshop_id}")
    return context, coach


@pytest.mark.browser
def test_coach_and_three_guests_live(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(plan_workshop(database_url, AGENDA))
    base = live_server.url

    coach_context = browser.new_context(viewport={"width": 1280, "height": 900})
    coach_context.set_default_timeout(10_000)
    coach = coach_context.new_page()
    errors: list[str] = []
    coach.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    coach.goto(f"{base}/anmelden")
    coach.fill("#f-email", email)
    coach.fill("#f-password", PASSWORD)
    coach.get_by_role("button", name="Anmelden").click()
    coach.wait_for_load_state("networkidle")
    coach.goto(f"{base}/w/{workshop_id}")
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Starten: Was stört in der Innenstadt?").click()
    coach.wait_for_selector("#board.mode-collect")

    guests = []
    for index, (name, group) in enumerate([("Anna", "Jugendliche"), ("Bernd", "Senioren"), ("Clara", None)]):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{base}/beitreten")
        page.fill("#f-code", code.lower() if index == 0 else code)
        page.get_by_role("button", name="Weiter").click()
        page.fill("#f-display_name", name)
        if group:
            page.select_option("#f-target_group", label=group)
        page.get_by_role("button", name="Mitmachen").click()
        page.wait_for_selector("#board.mode-collect")
        page.wait_for_selector("#live-status[data-state='online']")
        guests.append((context, page))
    anna, bernd, clara = (page for _context, page in guests)

    anna.fill("#idea-text", "Mehr Sitzbänke rund um den Marktbrunnen")
    anna.get_by_role("button", name="Karte posten").click()
    for page in (bernd, clara, coach):
        page.locator(".idea-text", has_text="Mehr Sitzbänke rund um den Marktbrunnen").wait_for()
    expect(anna.locator("#idea-text")).to_have_value("")
    assert anna.locator(".idea").count() == 1, "the author sees the card exactly once"
    bernd.fill("#idea-text", "Kostenloses WLAN in der Innenstadt")
    fetched: list[str] = []
    bernd.on("request", lambda request: fetched.append(request.url))
    coach.get_by_role("button", name="+1 Minute").click()  # the timer is pushed under Bernd's draft
    expect(bernd.locator("#timer")).to_have_text("11:00")
    expect(bernd.locator("#idea-text")).to_have_value("Kostenloses WLAN in der Innenstadt")
    assert fetched == [], "a pushed timer makes no browser fetch anything"
    bernd.keyboard.press("Tab")
    bernd.get_by_role("button", name="Karte posten").press("Enter")
    anna.locator(".idea-text", has_text="Kostenloses WLAN in der Innenstadt").wait_for()
    try:
        coach.wait_for_selector("#presence strong:text-is('3')", timeout=5000)
    except Exception:
        coach.screenshot(path=str(screenshot_dir / "debug-presence.png"), full_page=True)
        raise AssertionError(coach.locator("#presence").inner_text()) from None
    chips = coach.locator("#presence .chips").inner_text()
    assert "Jugendliche: 1" in chips and "Senioren: 1" in chips and "ohne Angabe: 1" in chips, chips
    assert "(10 Min., Sammeln)" in coach.locator("#board").inner_text(), "mechanics by their German names"

    clara_context = guests[2][0]
    clara_context.set_offline(True)
    clara.wait_for_timeout(300)
    anna.fill("#idea-text", "Leerstand als Pop-up-Laden nutzen")
    anna.get_by_role("button", name="Karte posten").click()
    coach.locator(".idea-text", has_text="Leerstand als Pop-up-Laden nutzen").wait_for()
    clara.fill("#idea-text", "Parkhaus besser ausschildern")  # flaky Wi-Fi: her post gets no answer
    clara.get_by_role("button", name="Karte posten").click()
    expect(clara.locator("#request-problem")).to_contain_text("Keine Verbindung")
    expect(clara.locator("#idea-text")).to_have_value("Parkhaus besser ausschildern")
    clara_context.set_offline(False)
    clara.locator(".idea-text", has_text="Leerstand als Pop-up-Laden nutzen").wait_for(timeout=15000)
    expect(clara.locator(".idea")).to_have_count(3)
    clara.get_by_role("button", name="Karte posten").click()  # the same text, sent again
    expect(coach.locator(".idea-text", has_text="Parkhaus besser ausschildern")).to_have_count(1)
    expect(clara.locator("#request-problem")).to_be_empty()
    expect(clara.locator(".idea")).to_have_count(4)

    assert [e for e in errors if "WebSocket" not in e] == [], "console errors before axe ran"
    coach.screenshot(path=str(screenshot_dir / "board-coach.png"), full_page=True)
    anna.screenshot(path=str(screenshot_dir / "board-guest-phone.png"), full_page=True)
    assert [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe_violations(anna)] == []
    assert [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe_violations(coach)] == []

    projector_page = coach_context.new_page()
    projector_page.goto(f"{base}/w/{workshop_id}/beamer")
    projector_page.locator(".idea-text", has_text="Kostenloses WLAN in der Innenstadt").wait_for()

    coach.get_by_role("button", name="Starten: Gemeinsam besprechen").click()
    for page in (anna, bernd, clara, coach, projector_page):
        page.wait_for_selector("#board.mode-discuss")
    assert anna.locator("#idea-text").count() == 0
    projector_page.screenshot(path=str(screenshot_dir / "board-projector.png"), full_page=True)
    bernd.screenshot(path=str(screenshot_dir / "board-guest-discuss.png"), full_page=True)
    for context, _page in guests:
        context.close()
    coach_context.close()
