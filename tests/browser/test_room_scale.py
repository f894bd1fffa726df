"""A room, not six people: a coach, three phones and a projector in Chromium beside 100 participants on the
JSON API with 150 cards. A timer change, a reveal, a step change and a card moved into a cluster reach every
board pushed over the websocket: no phone and no projector sends a single request, the coach's page fetches
no board, and all boards agree with each other and with the API clients."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from playwright.sync_api import expect

from tests.browser.screens import phone_on_board
from tests.browser.test_live_board import coach_on_board, in_thread, plan_workshop
from tests.conftest import Server

AGENDA = [
    {"title": "Verdeckt sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {"blind": True}}},
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
]
PARTICIPANTS = 100
CARDS = 150
SHOWN = 60  # a column shows its first 60 cards


class ApiRoom:
    """100 participants on the JSON websocket, in a thread of their own, counting the events they get."""

    def __init__(self, base: str, workshop_id: str, tokens: list[str]) -> None:
        self.url = base.replace("http://", "ws://") + f"/api/workshops/{workshop_id}/live"
        self.tokens = tokens
        self.seqs: list[set[int]] = [set() for _ in tokens]
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _listen(self, index: int, token: str, ready: list[int]) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with websockets.connect(f"{self.url}?after=-1", additional_headers=headers) as socket:
            ready.append(index)
            if len(ready) == len(self.tokens):
                self.connected.set()
            while not self.stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                if "seq" in message:
                    self.seqs[index].add(int(message["seq"]))

    async def _run(self) -> None:
        ready: list[int] = []
        await asyncio.gather(*(self._listen(i, token, ready) for i, token in enumerate(self.tokens)))

    def all_have(self, seq: int, timeout: float = 15) -> bool:
        deadline = threading.Event()
        for _ in range(int(timeout * 10)):
            if all(seq in seen for seen in self.seqs):
                return True
            deadline.wait(0.1)
        return False


def join_and_post(base: str, code: str) -> tuple[list[str], list[str]]:
    """100 guests join; 150 cards go up (a refused post waits as long as the server says, then goes again)."""
    tokens, ideas = [], []
    with httpx.Client(base_url=base, timeout=10) as client:
        for n in range(PARTICIPANTS):
            answer = client.post("/api/join", json={"code": code, "display_name": f"Gast {n + 1}"})
            assert answer.status_code == 201, answer.text
            tokens.append(answer.json()["token"])
        workshop_id = answer.json()["workshop_id"]
        for n in range(CARDS):
            headers = {"Authorization": f"Bearer {tokens[n % PARTICIPANTS]}"}
            for _attempt in range(20):
                answer = client.post(
                    f"/api/workshops/{workshop_id}/ideas", json={"text": f"Idee {n + 1}"}, headers=headers
                )
                if answer.status_code != 429:
                    break
                threading.Event().wait(float(answer.headers.get("retry-after", "1")))
            assert answer.status_code == 201, answer.text
            ideas.append(answer.json()["id"])
    return tokens, ideas


@pytest.mark.browser
def test_moderation_reaches_a_full_room_without_a_single_fetch(
    browser: Any, live_server: Server, screenshot_dir: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(
        plan_workshop(database_url, AGENDA, title="Ideen-Werkstatt im Rathaus", email="raum@marienberg.example")
    )
    base = live_server.url
    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1600, 1000), 15_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Starten: Verdeckt sammeln").click()
    coach.wait_for_selector("#board.mode-collect")

    tokens, ideas = join_and_post(base, code)
    room = ApiRoom(base, workshop_id, tokens)
    room.thread.start()
    try:
        assert room.connected.wait(30), "100 API participants connected"
        phones = []
        for name in ("Anna", "Bernd", "Clara"):
            _context, page = phone_on_board(browser, base, code, name, 15_000)
            phones.append(page)
        projector = coach_context.new_page()
        projector.set_viewport_size({"width": 1920, "height": 1080})
        projector.goto(f"{base}/w/{workshop_id}/beamer")
        projector.wait_for_selector("#live-status[data-state='online']", state="attached")
        coach.reload()
        coach.wait_for_selector("#live-status[data-state='online']")

        requests: dict[str, list[str]] = {"coach": [], "projector": [], "phone": []}
        coach.on("request", lambda r: requests["coach"].append(f"{r.method} {r.url}"))
        projector.on("request", lambda r: requests["projector"].append(f"{r.method} {r.url}"))
        for page in phones:
            page.on("request", lambda r: requests["phone"].append(f"{r.method} {r.url}"))
        boards = [coach, projector, *phones]

        # The timer.
        coach.get_by_role("button", name="Timer starten").click()
        for page in boards:
            page.wait_for_selector("#timer.is-running")
        # The reveal: every board shows the first 60 of the 150 cards, the rest behind "weitere anzeigen".
        coach.get_by_role("button", name="Karten aufdecken").click()
        for page in boards:
            expect(page.locator("#board .idea:not(.idea-blind)")).to_have_count(SHOWN)
            assert page.locator("#board").count() == 1
        # The step change to clustering, a cluster, and a card moved into it (by the coach's own command).
        coach.get_by_role("button", name="Starten: Ordnen").click()
        for page in boards:
            page.wait_for_selector("#board.mode-cluster")
        coach.focus("#cluster-name")
        coach.keyboard.type("Aufenthalt")
        coach.keyboard.press("Enter")
        for page in boards:
            page.wait_for_selector(".cluster h3:has-text('Aufenthalt'), .cluster h2:has-text('Aufenthalt')")
        cluster_id = coach.locator(".cluster-cards[data-cluster-id]:not([data-cluster-id=''])").first.get_attribute(
            "data-cluster-id"
        )
        moved = ideas[41]
        answer = coach.evaluate(
            """async ([url, body]) => {
                const token = JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken'];
                const r = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json',
                  'x-csrftoken': token}, body: JSON.stringify(body)});
                return [r.status, await r.json()];
            }""",
            [
                f"/api/workshops/{workshop_id}/commands",
                {"type": "move_idea", "idea_id": moved, "cluster_id": cluster_id},
            ],
        )
        assert answer[0] == 200, answer
        for page in boards:
            page.wait_for_selector(f".cluster-cards[data-cluster-id='{cluster_id}'] #idea-{moved}", state="attached")
        assert room.all_have(int(answer[1]["seq"])), "every API participant got every event up to the move"

        assert requests["phone"] == [], requests["phone"]
        assert requests["projector"] == [], requests["projector"]
        assert [r for r in requests["coach"] if r.startswith("GET")] == [], requests["coach"]
        texts = [sorted(page.locator("#board .idea .idea-text").all_inner_texts()) for page in boards]
        assert all(t == texts[0] for t in texts) and len(texts[0]) == SHOWN, "all boards agree"
        coach.screenshot(path=str(screenshot_dir / "room-coach.png"))
        phones[0].screenshot(path=str(screenshot_dir / "room-phone.png"))
        projector.screenshot(path=str(screenshot_dir / "room-projector.png"))
    finally:
        room.stop.set()
        room.thread.join(10)
