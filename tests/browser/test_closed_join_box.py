"""After the close the join box is gone, pushed: the projector's thank-you screen, the phone and the coach's board
show no join code, link or QR code once the coach closes the workshop (no screen fetches anything for it), and
a phone that opens the join link afterwards reads a clear German message instead of a name form."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.screens import phone_on_board, projector_beside
from tests.browser.test_live_board import coach_on_board, in_thread, plan_workshop
from tests.factories import PASSWORD

AGENDA = [{"title": "Was stört Sie?", "minutes": 10, "board": {"mechanic": "collect"}}]
SHOTS = Path(os.environ.get("WERKSTATT_EVENING_SHOTS", "/work/notes/shots"))


@pytest.mark.browser
def test_the_close_takes_the_join_box_away_on_every_screen(browser: Any, live_server: Any) -> None:
    workshop_id, code, email = in_thread(
        plan_workshop(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}", AGENDA)
    )
    base = live_server.url
    api = httpx.Client(base_url=base, timeout=20)
    token = api.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
    coach_headers = {"Authorization": f"Bearer {token}"}

    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 10_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    projector = projector_beside(coach_context, base, workshop_id)
    phone_context, phone = phone_on_board(browser, base, code, "Hanna", 10_000)

    started = api.post(
        f"/api/workshops/{workshop_id}/commands", headers=coach_headers, json={"type": "start_step", "step": 0}
    )
    assert started.status_code == 200, started.text
    phone.fill("#idea-text", "Zu wenig Bänke am Markt")
    phone.get_by_role("button", name="Karte posten").click()
    projector.locator(".idea-text", has_text="Zu wenig Bänke am Markt").wait_for()
    assert projector.locator("#projector-join").is_visible(), "the room still comes in before the close"
    assert coach.locator("#coach-join", has_text=code).is_visible()
    fetched: list[str] = []
    for page in (projector, phone, coach):
        page.on("request", lambda r: fetched.append(r.url) if r.method == "GET" and "/w/" in r.url else None)

    closed = api.post(f"/api/workshops/{workshop_id}/commands", headers=coach_headers, json={"type": "close"})
    assert closed.status_code == 200, closed.text
    projector.locator("#beamer-closing").wait_for()
    projector.wait_for_selector("#projector-join", state="detached")
    assert code not in projector.locator("body").inner_text()
    assert projector.locator("img.projector-qr").count() == 0
    phone.wait_for_selector("#closed-notice")
    assert code not in phone.locator("body").inner_text()
    coach.wait_for_selector("#closed-notice")
    coach.wait_for_selector("#coach-join", state="detached")
    assert code not in coach.locator("#board").inner_text()
    assert fetched == [], f"fetched instead of pushed: {fetched}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    projector.screenshot(path=str(SHOTS / "evening-projector-closed.png"))
    phone.screenshot(path=str(SHOTS / "evening-phone-closed.png"), full_page=True)

    latecomer = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    late = latecomer.new_page()
    late.goto(f"{base}/beitreten/{code}")
    notice = late.locator("#join-closed")
    assert "Beitreten ist nicht mehr möglich" in notice.inner_text()
    assert late.locator("#f-display_name").count() == 0
    late.screenshot(path=str(SHOTS / "evening-phone-join-closed.png"), full_page=True)
    joined = api.post("/api/join", json={"code": code, "display_name": "Spät"})
    assert joined.status_code == 422 and "Beitreten ist nicht mehr möglich" in joined.json()["detail"]
    latecomer.close()
    phone_context.close()
    coach_context.close()
