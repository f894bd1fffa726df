"""Layout on small screens: nothing scrolls sideways at 320 px, and a guest on a phone reaches the card form
without scrolling past the site navigation and a tall step card."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_live_board import in_thread, plan_workshop
from tests.conftest import Server, axe_violations
from tests.factories import PASSWORD

DEMO_PASSWORD = "werkstatt-demo"
PHONE = {"width": 360, "height": 740}
# A step as long as the demo's: a long title, a question, instructions and the blind-collect hint.
AGENDA = [
    {
        "title": "Kartenabfrage (Metaplan): Karten schreiben – Fotos auswählen und betiteln",
        "minutes": 10,
        "question": "Was stört Sie, wenn Sie heute durch unsere Innenstadt gehen?",
        "instructions": (
            "Alle schreiben still für sich. Niemand kommentiert fremde Karten. Für jedes ausgewählte Foto "
            "schreibt jede Gruppe eine Karte aufs Board: Titel, Ort und ein Satz, warum das Bild wichtig ist."
        ),
        "board": {"mechanic": "collect", "config": {"max_length": 280, "blind": True}},
    },
    {"title": "Gemeinsam besprechen", "minutes": 15, "board": {"mechanic": "discuss"}},
]


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/anmelden")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state("networkidle")


def scroll_width(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


@pytest.mark.browser
def test_network_and_town_pages_fit_320px(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server.url, "kernteam@werkstatt.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/netzwerk")
    page.wait_for_load_state("networkidle")
    assert page.locator("#groups-title").count() == 1, "the network overview with its cards"
    page.screenshot(path=str(screenshot_dir / "network-320.png"), full_page=True)
    assert scroll_width(page) <= 320, "the network page scrolls sideways at 320 px"

    towns = page.eval_on_selector_all("#town-list a[href^='/staedte/']", "links => links.map(a => a.pathname)")
    assert towns, "the demo network has towns"
    for town in towns:
        page.goto(f"{live_server.url}{town}")
        page.wait_for_load_state("networkidle")
        assert page.locator("#kernteam-title").count() == 1
        assert scroll_width(page) <= 320, f"{town} scrolls sideways at 320 px"
    page.screenshot(path=str(screenshot_dir / "town-320.png"), full_page=True)
    context.close()


@pytest.mark.browser
def test_guest_reaches_card_form_on_phone(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(
        plan_workshop(
            database_url,
            AGENDA,
            title="Ideen-Werkstatt Marktplatz am Dienstag",
            network_name="Layout-Netzwerk (Test)",
            email="layout@marienberg.example",
            target_groups=("jugendliche",),
        )
    )
    base = live_server.url

    coach_context = browser.new_context(viewport={"width": 1280, "height": 900})
    coach_context.set_default_timeout(10_000)
    coach = coach_context.new_page()
    sign_in(coach, base, email, PASSWORD)
    coach.goto(f"{base}/w/{workshop_id}")
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name=re.compile(r"^Starten: Kartenabfrage")).click()
    coach.wait_for_selector("#board.mode-collect")
    assert coach.get_by_role("navigation", name="Hauptnavigation").count() == 1, "the coach keeps the site navigation"

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    guest = context.new_page()
    guest.goto(f"{base}/beitreten")
    guest.fill("#f-code", code)
    guest.get_by_role("button", name="Weiter").click()
    guest.fill("#f-display_name", "Anna")
    guest.select_option("#f-target_group", label="Jugendliche")
    guest.get_by_role("button", name="Mitmachen").click()
    guest.wait_for_selector("#board.mode-collect")
    guest.wait_for_selector("#live-status[data-state='online']")
    guest.screenshot(path=str(screenshot_dir / "layout-guest-phone.png"))

    box = guest.locator("#idea-text").bounding_box()
    assert box is not None
    assert box["y"] < PHONE["height"] * 1.2, f"the card form starts {box['y']:.0f} px down on a 740 px screen"
    assert scroll_width(guest) <= PHONE["width"]
    # The compact header: home link, language switch and the skip link stay; the site navigation goes.
    assert guest.get_by_role("navigation", name="Hauptnavigation").count() == 0
    assert guest.locator("header.site-header a.brand[href='/']").count() == 1
    assert guest.get_by_role("button", name="English").count() == 1
    guest.keyboard.press("Tab")
    assert guest.evaluate("() => document.activeElement.className") == "skip-link"
    assert [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe_violations(guest)] == []

    guest.set_viewport_size({"width": 320, "height": 640})
    assert scroll_width(guest) <= 320, "the board scrolls sideways at 320 px"
    context.close()
    coach_context.close()
