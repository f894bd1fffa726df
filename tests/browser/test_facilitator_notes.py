"""The shipped Kartenabfrage in the room: the coach's board shows the moderation's notes in their own box by
the step; a phone (360×740) shows what the participants read and nothing of the notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.screens import phone_on_board
from tests.browser.test_live_board import coach_on_board, in_thread
from tests.conftest import Server, axe_violations
from tests.factories import make_account, make_network
from werkstatt.catalogue.loader import load_shipped
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.planning import method_steps
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

CARD = load_shipped().cards["kartenabfrage"][1]


async def _setup(database_url: str) -> tuple[str, str, str]:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db, "Notizen", towns=("Annaberg",))
        coach = await make_account(db, Role.coach, network.network, email="coach@notizen.example")
        agenda = [step.model_dump(mode="json") for step in method_steps(CARD)]
        data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Abend", "agenda": agenda})
        workshop = await create_workshop(db, account_snapshot(coach), data)
        await db.commit()
        result = (str(workshop.id), workshop.join_code, coach.email)
    await engine.dispose()
    return result


@pytest.mark.browser
def test_the_notes_are_on_the_coach_board_and_not_on_the_phone(
    browser: Any, live_server: Server, screenshot_dir: Path
) -> None:
    workshop_id, code, email = in_thread(_setup(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"))
    base = live_server.url
    _context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 15_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Ersten Schritt starten").click()
    notes = coach.locator("#step-notes")
    notes.wait_for()
    assert "Die Frage vorlesen und die Regeln erklären." in notes.inner_text()

    _phone_context, phone = phone_on_board(browser, base, code, "Anna", 15_000)
    phone.locator("#step-texts", has_text=CARD.steps[0].instructions).wait_for()
    assert phone.locator("#step-notes").count() == 0
    assert "Die Frage vorlesen" not in phone.content()

    # The next step arrives as a pushed board: the coach's carries its notes (none here), the phone's never.
    coach.get_by_role("button", name="Weiter").click()
    phone.locator("#board.mode-collect").wait_for()
    coach.locator("#board.mode-collect").wait_for()
    assert coach.locator("#step-notes").count() == 0, "the writing step has no notes"
    coach.get_by_role("button", name="Starten: Kartenabfrage (Metaplan): Leitfrage vorstellen").click()
    coach.locator("#step-notes").wait_for()
    phone.locator("#board.mode-discuss").wait_for()
    assert phone.locator("#step-notes").count() == 0 and "Die Frage vorlesen" not in phone.content()

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"no sideways scrolling on the phone ({width} px)"
    coach.screenshot(path=str(screenshot_dir / "notes-coach.png"))
    phone.screenshot(path=str(screenshot_dir / "notes-phone.png"))
    phone.screenshot(path=str(screenshot_dir / "notes-phone-full.png"), full_page=True)
    assert [v["id"] for v in axe_violations(coach)] == []
    assert [v["id"] for v in axe_violations(phone)] == []


@pytest.mark.browser
def test_the_method_page_labels_both_texts(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/methoden/kartenabfrage")
    first = page.locator("#timeline > li").first
    first.locator(".step-for-moderation").wait_for()
    assert first.locator(".step-for-participants").inner_text().startswith("Für die Teilnehmenden:")
    assert first.locator(".step-for-moderation").inner_text().startswith("Hinweise für die Moderation:")
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "notes-method-page.png"))
    assert [v["id"] for v in axe_violations(page)] == []
