"""The door and the coach's keyboard: on a 360×740 phone the join page shows no site navigation, focuses the
field and has "Mitmachen" in the first screen; the coach reaches the moderation panel by skip link and by
Alt+Shift+M, and "Weiter" by Alt+Shift+W, as the panel's "Tastenkürzel" say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_layout import AGENDA, sign_in
from tests.browser.test_live_board import in_thread, plan_workshop
from tests.conftest import Server, axe_violations
from tests.factories import PASSWORD

PHONE = {"width": 360, "height": 740}


@pytest.mark.browser
def test_join_page_on_a_phone_and_the_coach_shortcuts(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(
        plan_workshop(
            database_url,
            AGENDA,
            title="Ideen-Werkstatt Marktplatz am Dienstag",
            network_name="Tür-Netzwerk (Test)",
            email="tuer@marienberg.example",
            target_groups=("jugendliche", "senioren"),
        )
    )
    base = live_server.url

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.set_default_timeout(10_000)
    guest = phone.new_page()
    guest.goto(f"{base}/beitreten")
    assert guest.evaluate("() => document.activeElement.id") == "f-code"
    assert guest.get_by_role("navigation", name="Hauptnavigation").count() == 0
    guest.fill("#f-code", code)
    guest.get_by_role("button", name="Weiter").click()
    guest.wait_for_selector("#f-display_name")
    assert guest.evaluate("() => document.activeElement.id") == "f-display_name"
    assert guest.get_by_role("navigation", name="Hauptnavigation").count() == 0
    button = guest.get_by_role("button", name="Mitmachen").bounding_box()
    assert button is not None and button["y"] + button["height"] <= PHONE["height"], f"Mitmachen at {button}"
    assert [v["id"] for v in axe_violations(guest)] == []
    guest.screenshot(path=str(screenshot_dir / "join-name-phone.png"))
    cookies = {cookie["name"]: cookie for cookie in phone.cookies()}
    assert cookies["werkstatt_geraet"]["httpOnly"], "the device cookie is HttpOnly"
    guest.keyboard.type("Anna")
    guest.select_option("#f-target_group", label="Senioren")
    guest.get_by_role("button", name="Mitmachen").click()
    guest.wait_for_selector("#live-status[data-state='online']")

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    coach = desk.new_page()
    sign_in(coach, base, email, PASSWORD)
    coach.goto(f"{base}/w/{workshop_id}")
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.keyboard.press("Tab")
    coach.keyboard.press("Tab")
    assert coach.evaluate("() => document.activeElement.textContent.trim()") == "Zur Moderation springen"
    coach.keyboard.press("Enter")
    coach.wait_for_function("() => document.activeElement && document.activeElement.id === 'coach-panel'")
    coach.evaluate("() => document.body.focus()")
    coach.keyboard.press("Alt+Shift+W")
    coach.wait_for_function("() => document.activeElement && document.activeElement.closest('#next-step')")
    coach.keyboard.press("Alt+Shift+M")
    coach.wait_for_function("() => document.activeElement && document.activeElement.id === 'coach-panel'")
    coach.locator("#shortcuts summary").click()
    assert "Alt + Umschalt + W" in coach.locator("#shortcuts").inner_text().replace("\n", " ")
    coach.screenshot(path=str(screenshot_dir / "coach-shortcuts.png"))
    assert [v["id"] for v in axe_violations(coach)] == []
    desk.close()
    phone.close()
