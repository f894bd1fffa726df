"""A closed workshop's phone board is read-only in what it offers: the own card's "Bearbeiten …" and
"Zurückziehen …" go with the pushed close (no reload), and stay gone when the page is opened again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_live_board import in_thread, plan_workshop
from tests.factories import PASSWORD

AGENDA = [{"title": "Was stört Sie?", "minutes": 10, "board": {"mechanic": "collect"}}]
SHOTS = Path(os.environ.get("WERKSTATT_EVENING_SHOTS", "/work/notes/shots"))


@pytest.mark.browser
def test_the_close_takes_edit_and_withdraw_off_the_own_card(browser: Any, live_server: Any) -> None:
    workshop_id, code, email = in_thread(
        plan_workshop(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}", AGENDA)
    )
    api = httpx.Client(base_url=live_server.url, timeout=20)
    token = api.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
    coach_headers = {"Authorization": f"Bearer {token}"}
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone_context.set_default_timeout(10_000)
    phone = phone_context.new_page()
    phone.goto(f"{live_server.url}/beitreten/{code}")
    phone.fill("#f-display_name", "Hanna")
    phone.get_by_role("button", name="Mitmachen").click()
    phone.wait_for_selector("#live-status[data-state='online']")
    started = api.post(
        f"/api/workshops/{workshop_id}/commands", headers=coach_headers, json={"type": "start_step", "step": 0}
    )
    assert started.status_code == 200, started.text
    phone.fill("#idea-text", "Zu wenig Bänke am Markt")
    phone.get_by_role("button", name="Karte posten").click()
    own = phone.locator("article.idea-own", has_text="Zu wenig Bänke am Markt")
    own.get_by_role("button", name="Bearbeiten …").wait_for()

    closed = api.post(f"/api/workshops/{workshop_id}/commands", headers=coach_headers, json={"type": "close"})
    assert closed.status_code == 200, closed.text
    phone.wait_for_selector("#closed-notice")
    pushed = phone.locator("article.idea", has_text="Zu wenig Bänke am Markt")
    pushed.wait_for()
    assert pushed.locator("button", has_text="Bearbeiten").count() == 0
    assert pushed.locator("button", has_text="Zurückziehen").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "routes2-phone-closed-own-card.png"), full_page=True)
    phone.reload()
    again = phone.locator("article.idea", has_text="Zu wenig Bänke am Markt")
    again.wait_for()
    assert (again.locator("button", has_text="Bearbeiten").count(), phone.locator("#timer").count()) == (0, 0)
