"""A room-size walk through a running Werkstatt (`make run`): the evening as a coach sees it with a full room.

    .venv/bin/python scripts/roomwalk.py [--url http://127.0.0.1:8000] [--participants 60] [--cards 4] [--out DIR]

The demo coach plans a workshop through the JSON API; N guests join through the API and listen on the JSON
websocket; each posts a few cards (a human rate: the server's per-person limit is honoured). In Chromium the
coach's board (1440 px), a phone that joined through the join page (360 px) and the projector (1920 px) stay
open the whole time. The walk goes collect → cluster (8 clusters, 80 % of the cards sorted) → dot vote (every
guest spends 3 dots) → reveal → ranking → matrix → close, takes screenshots of all three screens at each step and
prints the figures: page bytes and render time per screen, how many requests the phone and the projector sent
after they loaded (push, never pull: it must be 0), the websocket bytes a phone and an API guest received per step
change, and how long a step change took to reach every API guest. Nothing but the given URL is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from playwright.sync_api import Page, sync_playwright

AGENDA = [
    {
        "title": "Was stört Sie in der Innenstadt?",
        "minutes": 15,
        "board": {"mechanic": "collect", "config": {"max_cards_per_person": 10}},
    },
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
    {
        "title": "Punkte vergeben",
        "minutes": 10,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2, "hidden": True}},
    },
    {"title": "Ergebnis zeigen", "minutes": 5, "board": {"mechanic": "rank", "config": {}}},
    {
        "title": "Aufwand und Nutzen",
        "minutes": 10,
        "board": {"mechanic": "rate_matrix", "config": {"x_label": "Aufwand", "y_label": "Nutzen"}},
    },
]
TOPICS = [
    "schattige Bänke am Markt",
    "Leerstand in der Bahnhofstraße als Pop-up-Laden",
    "Fahrradbügel vor dem Rathaus",
    "WLAN auf dem Marktplatz",
    "längere Öffnungszeiten am Samstag",
    "Spielgeräte für Kinder in der Fußgängerzone",
    "Wochenmarkt auch am Abend",
    "Parkleitsystem zu den Randparkplätzen",
]
CLUSTERS = ["Aufenthalt", "Leerstand", "Mobilität", "Digitales", "Handel", "Familien", "Märkte", "Parken"]


class Room:
    """The API guests' websockets in a thread of their own: bytes and the last seq each one received."""

    def __init__(self, base: str, workshop_id: str, tokens: list[str]) -> None:
        self.url = base.replace("http", "ws", 1) + f"/api/workshops/{workshop_id}/live"
        self.tokens = tokens
        self.bytes = [0] * len(tokens)
        self.last = [-1] * len(tokens)
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._all()), daemon=True)
        self._open = 0

    async def _one(self, index: int) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[index]}"}
        async with websockets.connect(f"{self.url}?after=-1", additional_headers=headers, max_size=2**24) as socket:
            self._open += 1
            if self._open == len(self.tokens):
                self.ready.set()
            while not self.stop.is_set():
                try:
                    raw = await asyncio.wait_for(socket.recv(), 0.3)
                except TimeoutError:
                    continue
                self.bytes[index] += len(raw)
                message = json.loads(raw)
                if "seq" in message:
                    self.last[index] = max(self.last[index], int(message["seq"]))

    async def _all(self) -> None:
        await asyncio.gather(*(self._one(i) for i in range(len(self.tokens))))

    def reached(self, seq: int, timeout: float = 30) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if all(last >= seq for last in self.last):
                return time.monotonic() - start
            time.sleep(0.01)
        raise TimeoutError(f"not every guest got seq {seq}")


class Walk:
    def __init__(self, url: str, participants: int, cards: int, out: Path, on_clusters: bool = False) -> None:
        self.url, self.participants, self.cards, self.out = url.rstrip("/"), participants, cards, out
        self.on_clusters = on_clusters
        self.agenda = [dict(step) for step in AGENDA]
        if on_clusters:  # the dots go on the clusters the group just built (ranking and matrix follow the vote)
            config = {**AGENDA[2]["board"]["config"], "cards": {"from": "clusters"}}
            self.agenda[2] = {**AGENDA[2], "board": {"mechanic": "vote", "config": config}}
        self.api = httpx.Client(base_url=self.url, timeout=30)
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)

    def command(self, body: dict[str, Any]) -> int:
        for _ in range(30):
            answer = self.api.post(f"/api/workshops/{self.workshop_id}/commands", json=body, headers=self.coach)
            if answer.status_code != 429:
                break
            time.sleep(float(answer.headers.get("retry-after", "1")))
        answer.raise_for_status()
        return int(answer.json()["seq"])

    def as_guest(self, token: str, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        """One guest's request, waiting as long as the server asks when it refuses with 429."""
        for _ in range(30):
            answer = self.api.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
            if answer.status_code != 429:
                return answer
            time.sleep(float(answer.headers.get("retry-after", "1")))
        return answer

    def plan(self) -> None:
        password = os.environ.get("WERKSTATT_DEMO_PASSWORD", "werkstatt-demo")
        token = self.api.post("/api/auth/token", json={"email": "coach@werkstatt.example", "password": password})
        token.raise_for_status()
        self.coach = {"Authorization": f"Bearer {token.json()['token']}"}
        network = self.api.get("/api/networks", headers=self.coach).json()[0]
        town = self.api.get(f"/api/networks/{network['id']}/towns", headers=self.coach).json()[0]
        created = self.api.post(
            "/api/workshops",
            json={
                "town_id": town["id"],
                "title": f"Ideen-Werkstatt im Rathaus ({self.participants})",
                "agenda": self.agenda,
            },
            headers=self.coach,
        )
        created.raise_for_status()
        self.workshop_id, self.code = created.json()["id"], created.json()["join_code"]
        self.say(f"workshop {self.workshop_id} in {town['name']}, code {self.code}")

    def join(self) -> None:
        started = time.monotonic()
        self.tokens = []
        for n in range(self.participants):
            answer = self.api.post("/api/join", json={"code": self.code, "display_name": f"Gast {n + 1}"})
            answer.raise_for_status()
            self.tokens.append(answer.json()["token"])
        self.say(f"{self.participants} guests joined over the API in {time.monotonic() - started:.1f} s")

    def post_cards(self) -> list[str]:
        started = time.monotonic()
        ideas: list[str] = []
        path = f"/api/workshops/{self.workshop_id}/ideas"
        for round_ in range(self.cards):
            for n, token in enumerate(self.tokens):
                text = f"{TOPICS[(n + round_) % len(TOPICS)]} (Gast {n + 1}, Idee {round_ + 1})"
                answer = self.as_guest(token, "POST", path, {"text": text})
                answer.raise_for_status()
                ideas.append(answer.json()["id"])
        self.say(f"{len(ideas)} cards posted in {time.monotonic() - started:.1f} s")
        return ideas

    def screens(self, name: str, pages: dict[str, Page]) -> None:
        for who, page in pages.items():
            page.wait_for_timeout(600)  # let a pushed swap settle before the picture
            page.screenshot(path=str(self.out / f"{name}-{who}.png"), full_page=who == "phone")

    def measure_pages(self, name: str, cookies: dict[str, dict[str, str]]) -> None:
        for who, path in (("coach", ""), ("projector", "/beamer"), ("phone", "")):
            with httpx.Client(base_url=self.url, cookies=cookies[who], timeout=30) as client:
                start = time.monotonic()
                page = client.get(f"/w/{self.workshop_id}{path}")
                took = time.monotonic() - start
            self.say(f"  {name:9s} {who:9s} page {len(page.content) / 1024:6.0f} KiB in {took * 1000:5.0f} ms")

    def run(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.plan()
        self.join()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            coach_context = browser.new_context(viewport={"width": 1440, "height": 900})
            coach = coach_context.new_page()
            coach.goto(f"{self.url}/anmelden")
            coach.fill("#f-email", "coach@werkstatt.example")
            coach.fill("#f-password", os.environ.get("WERKSTATT_DEMO_PASSWORD", "werkstatt-demo"))
            coach.get_by_role("button", name="Anmelden").click()
            coach.wait_for_load_state("networkidle")
            coach.goto(f"{self.url}/w/{self.workshop_id}")
            projector = coach_context.new_page()
            projector.set_viewport_size({"width": 1920, "height": 1080})
            projector.goto(f"{self.url}/w/{self.workshop_id}/beamer")
            phone_context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
            phone = phone_context.new_page()
            phone.goto(f"{self.url}/beitreten/{self.code}")
            phone.fill("#f-display_name", "Anna")
            phone.get_by_role("button", name="Mitmachen").click()
            pages = {"coach": coach, "phone": phone, "projector": projector}
            for page in pages.values():
                page.wait_for_selector("#live-status[data-state='online']", state="attached", timeout=30_000)
            cookies = {
                who: {c["name"]: c["value"] for c in context.cookies()}
                for who, context in (("coach", coach_context), ("projector", coach_context), ("phone", phone_context))
            }
            sent: dict[str, list[str]] = {"phone": [], "projector": []}
            socket_bytes = {"phone": 0}
            phone.on("request", lambda r: sent["phone"].append(f"{r.method} {r.url}"))
            projector.on("request", lambda r: sent["projector"].append(f"{r.method} {r.url}"))
            phone.on("websocket", lambda ws: ws.on("framereceived", lambda f: _count(socket_bytes, f)))
            phone.reload()  # so the websocket listener sees the phone's socket
            phone.wait_for_selector("#live-status[data-state='online']", state="attached", timeout=30_000)
            sent["phone"].clear()

            room = Room(self.url, self.workshop_id, self.tokens)
            room.thread.start()
            if not room.ready.wait(60):
                raise TimeoutError("not every API guest connected")

            def step(position: int, name: str) -> None:
                before_room, before_phone = sum(room.bytes), socket_bytes["phone"]
                per_guest = len(self.tokens) * 1024
                seq = self.command({"type": "start_step", "step": position})
                took = room.reached(seq)
                for page in pages.values():
                    page.wait_for_selector(f"#board.mode-{self.agenda[position]['board']['mechanic']}", timeout=30_000)
                time.sleep(1)
                self.say(
                    f"step {position} {name}: every API guest had it after {took * 1000:.0f} ms; "
                    f"websocket bytes per API guest {(sum(room.bytes) - before_room) / per_guest:.1f} KiB,"
                    f" to the phone {(socket_bytes['phone'] - before_phone) / 1024:.1f} KiB"
                )

            try:
                step(0, "collect")
                ideas = self.post_cards()
                room.reached(max(room.last))
                self.measure_pages("collect", cookies)
                self.screens("1-collect", pages)

                step(1, "cluster")
                cluster_ids = []
                for name in CLUSTERS:
                    self.command({"type": "create_cluster", "name": name})
                answer = self.api.get(f"/api/workshops/{self.workshop_id}/results", headers=self.coach).json()
                cluster_ids = [c["id"] for c in answer["clusters"]]
                started = time.monotonic()
                for n, idea in enumerate(ideas):
                    if n % 5:  # 80 % sorted, the rest stays unsorted
                        seq = self.command({"type": "move_idea", "idea_id": idea, "cluster_id": cluster_ids[n % 8]})
                moved = room.reached(seq)
                self.say(
                    f"  {sum(1 for n in range(len(ideas)) if n % 5)} cards moved in "
                    f"{time.monotonic() - started:.1f} s; the last move reached every guest {moved * 1000:.0f} ms later"
                )
                self.measure_pages("cluster", cookies)
                self.screens("2-cluster", pages)

                step(2, "vote")
                started = time.monotonic()
                random.seed(7)
                key, items = ("cluster_id", cluster_ids) if self.on_clusters else ("idea_id", ideas)
                for token in self.tokens:
                    for item in random.sample(items, 3):
                        answer = self.as_guest(token, "POST", f"/api/workshops/{self.workshop_id}/votes", {key: item})
                        answer.raise_for_status()
                self.say(f"  {3 * len(self.tokens)} dots cast in {time.monotonic() - started:.1f} s")
                self.measure_pages("vote", cookies)
                self.screens("3-vote", pages)
                seq = self.command({"type": "reveal"})
                self.say(f"  reveal reached every guest after {room.reached(seq) * 1000:.0f} ms")
                self.screens("4-revealed", pages)

                step(3, "rank")
                self.measure_pages("rank", cookies)
                self.screens("5-rank", pages)

                step(4, "matrix")
                for token in self.tokens[:20]:
                    for item in items[:5]:
                        body = {key: item, "score_x": random.randint(1, 5), "score_y": random.randint(1, 5)}
                        self.as_guest(token, "POST", f"/api/workshops/{self.workshop_id}/votes", body)
                self.measure_pages("matrix", cookies)
                self.screens("6-matrix", pages)

                seq = self.command({"type": "close"})
                room.reached(seq)
                time.sleep(1)
                self.screens("7-closed", pages)
            finally:
                room.stop.set()
                room.thread.join(10)
            self.say(f"requests the phone sent after loading: {len(sent['phone'])} {sent['phone'][:5]}")
            self.say(f"requests the projector sent after loading: {len(sent['projector'])} {sent['projector'][:5]}")
            browser.close()
        (self.out / "figures.txt").write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def _count(totals: dict[str, int], frame: Any) -> None:
    totals["phone"] += len(frame if isinstance(frame, (str, bytes)) else str(frame))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--cards", type=int, default=4, help="cards per guest")
    parser.add_argument("--out", type=Path, default=Path("roomwalk"))
    parser.add_argument("--on-clusters", action="store_true", help="dots, ranking and matrix on the clusters")
    arguments = parser.parse_args()
    Walk(arguments.url, arguments.participants, arguments.cards, arguments.out, arguments.on_clusters).run()


if __name__ == "__main__":
    main()
