"""In real Chromium, keyboard only: a guest on a phone withdraws their own card through the confirmation
dialog; Escape cancels and gives the focus back; the coach's board loses the card live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_live_board import AGENDA, coach_on_board, in_thread, plan_workshop
from tests.conftest import Server, axe_violations


@pytest.mark.browser
def test_a_guest_withdraws_a_card_with_the_keyboard(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(plan_workshop(database_url, AGENDA, email="rueckzug@marienberg.example"))
    base = live_server.url
    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 10_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Starten: Was stört in der Innenstadt?").click()

    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    phone.goto(f"{base}/beitreten/{code}")
    phone.fill("#f-display_name", "Anna")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#board.mode-collect")
    phone.wait_for_selector("#live-status[data-state='online']")
    for text in ("Mehr Bänke am Brunnen", "Tippfehler-Karte"):
        phone.fill("#idea-text", text)
        phone.get_by_role("button", name="Karte posten").press("Enter")
        coach.locator(".idea-text", has_text=text).wait_for()

    card = phone.locator(".idea", has=phone.locator(".idea-text", has_text="Tippfehler-Karte"))
    button = card.get_by_role("button", name="Zurückziehen …")
    button.focus()
    phone.keyboard.press("Enter")
    dialog = phone.locator("#withdraw-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".dialog-source")).to_have_text("Tippfehler-Karte")
    expect(dialog.get_by_role("button", name="Abbrechen")).to_be_focused()  # the safe choice first
    phone.screenshot(path=str(screenshot_dir / "withdraw-dialog-phone.png"))
    assert axe_violations(phone) == []
    phone.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    expect(phone.locator(".idea")).to_have_count(2)

    phone.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    phone.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Zurückziehen")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(phone.locator("#board-message")).to_contain_text("Karte zurückgezogen.")
    expect(phone.locator(".idea-text", has_text="Tippfehler-Karte")).to_have_count(0)
    expect(coach.locator(".idea-text", has_text="Tippfehler-Karte")).to_have_count(0)
    expect(coach.locator(".idea-text", has_text="Mehr Bänke am Brunnen")).to_have_count(1)
    context.close()
    coach_context.close()
