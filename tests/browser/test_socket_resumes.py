"""A board that loads opens its websocket after the seq it was rendered with, never after 0: on a busy phone htmx
could open the socket before board.js had read the board's seq, the server replayed the whole evening, and every
board fetched itself once (found at room size under load)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser.screens import ONLINE
from tests.browser.test_live_board import AGENDA, coach_on_board, in_thread, plan_workshop
from tests.conftest import Server


@pytest.mark.browser
def test_a_loaded_board_resumes_its_socket_at_the_rendered_seq(browser: Any, live_server: Server) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(plan_workshop(database_url, AGENDA))
    base = live_server.url
    context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 10_000)
    coach.wait_for_selector(ONLINE)
    coach.get_by_role("button", name="Starten: Was stört in der Innenstadt?").click()
    coach.wait_for_selector("#board.mode-collect")
    with httpx.Client(base_url=base, timeout=10) as api:
        token = api.post("/api/join", json={"code": code, "display_name": "Gast"}).json()["token"]
        for text in ("Bänke", "Schatten", "Radbügel"):
            posted = api.post(
                f"/api/workshops/{workshop_id}/ideas", json={"text": text}, headers={"Authorization": f"Bearer {token}"}
            )
            assert posted.status_code == 201, posted.text

    sockets: list[str] = []
    fetched: list[str] = []
    page = context.new_page()
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.on(
        "request",
        lambda request: fetched.append(request.url) if urlsplit(request.url).path.endswith("/board") else None,
    )
    page.goto(f"{base}/w/{workshop_id}")
    page.wait_for_selector(ONLINE)
    page.locator("#board .idea-text", has_text="Radbügel").wait_for()
    rendered = int(page.get_attribute("#board", "data-seq") or "0")
    after = [int(parse_qs(urlsplit(url).query)["after"][0]) for url in sockets]
    assert rendered > 0 and after == [rendered], (rendered, sockets)
    assert fetched == [], "the board did not fetch itself after loading"
