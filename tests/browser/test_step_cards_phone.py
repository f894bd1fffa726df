"""A phone (360×740) in a vote step that chooses its cards: only the "Was stört Sie?" cards are up, not the
opening Blitzlicht keywords, and the panel says where the cards come from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.screens import phone_on_board
from tests.browser.test_live_board import coach_on_board, in_thread
from tests.conftest import Server, axe_violations
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {"title": "Blitzlicht", "minutes": 5, "question": "Ihr Gedanke?", "board": {"mechanic": "collect"}},
    {"title": "Was stört Sie?", "minutes": 10, "question": "Was stört Sie?", "board": {"mechanic": "collect"}},
    {"title": "Punkte kleben", "minutes": 10, "board": {"mechanic": "vote", "config": {"hidden": True}}},
]
BLITZ = "neugierig"
STOERT = ["Leerstand am Markt", "Zu wenig Bänke am Brunnen"]


async def _setup(database_url: str) -> tuple[str, str, str]:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db, "Kartentest", towns=("Annaberg",))
        coach = await make_account(db, Role.coach, network.network, email="coach@karten.example")
        data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Abend", "agenda": AGENDA})
        workshop = await create_workshop(db, account_snapshot(coach), data)
        await db.commit()
        result = (str(workshop.id), workshop.join_code, coach.email)
    await engine.dispose()
    return result


def _post(page: Any, text: str) -> None:
    page.fill("#idea-text", text)
    page.get_by_role("button", name="Karte posten").click()
    page.locator(".idea-text", has_text=text).wait_for()


@pytest.mark.browser
def test_phone_votes_only_on_the_cards_of_its_question(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    workshop_id, code, email = in_thread(_setup(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"))
    base = live_server.url
    _context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 15_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Starten: Blitzlicht").click()
    coach.wait_for_selector("#board.mode-collect")

    _phone_context, phone = phone_on_board(browser, base, code, "Anna", 15_000)
    _post(phone, BLITZ)
    coach.get_by_role("button", name="Starten: Was stört Sie?").click()
    phone.locator("#board.mode-collect").wait_for()
    for text in STOERT:
        _post(phone, text)

    coach.get_by_role("button", name="Starten: Punkte kleben").click()
    panel = phone.locator("#voting-panel[data-mechanic='vote']")
    panel.wait_for()
    assert phone.locator("#voting-chosen").inner_text() == (
        "Zur Wahl stehen die Karten aus Schritt 2 „Was stört Sie?“."
    )
    assert sorted(phone.locator(".vote-item .vote-text").all_inner_texts()) == sorted(STOERT)
    assert phone.locator(".vote-item", has_text=BLITZ).count() == 0, "the Blitzlicht keyword is not up for a vote"
    phone.locator(".vote-item", has_text=STOERT[0]).get_by_role("button", name="+ Punkt").click()
    phone.locator("#voting-remaining", has_text="noch 2 von 3").wait_for()
    coach.locator("#tally-dots-2", has_text="1").wait_for()
    assert coach.locator("#voting-panel .vote-item").count() == 2
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"no sideways scrolling on the phone ({width} px)"
    phone.locator("#voting-panel").scroll_into_view_if_needed()
    phone.screenshot(path=str(screenshot_dir / "step-cards-phone-vote.png"))
    phone.screenshot(path=str(screenshot_dir / "step-cards-phone-vote-full.png"), full_page=True)
    assert [v["id"] for v in axe_violations(phone)] == []
