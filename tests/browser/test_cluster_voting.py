"""Dot voting on clusters in Chromium: twelve clusters, a phone (360 px) gives dots to clusters and unfolds a
cluster's cards, the coach's board and the projector (1920) count live; the ranking step shows the clusters.
Screenshots go to the screenshot folder (and, when it exists, /work/notes/shots) for a person to look at."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx

from tests.browser.screens import phone_on_board, projector_beside
from tests.browser.test_live_board import coach_on_board, in_thread, plan_workshop
from tests.conftest import Server, axe_violations
from tests.factories import PASSWORD

AGENDA = [
    {"title": "Was stört Sie?", "minutes": 10, "board": {"mechanic": "collect"}},
    {"title": "Clustern", "minutes": 10, "board": {"mechanic": "cluster"}},
    {
        "title": "Cluster punkten",
        "minutes": 10,
        "board": {
            "mechanic": "vote",
            "config": {"cards": {"from": "clusters", "step": 1}, "dots_per_person": 3, "hidden": True},
        },
    },
    {"title": "Ergebnis zeigen", "minutes": 5, "board": {"mechanic": "rank"}},
]
CLUSTERS = [
    "Sitzen und Schatten",
    "Leerstand",
    "Öffnungszeiten",
    "Radverkehr",
    "Parken",
    "Spielen",
    "Grün und Bäume",
    "Sauberkeit",
    "Veranstaltungen",
    "Barrierefreiheit",
    "Gastronomie",
    "Wochenmarkt",
]
NOTES = Path("/work/notes/shots")


def _shot(page: Any, directory: Path, name: str) -> None:
    path = directory / f"clustervote-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if NOTES.is_dir():
        shutil.copy(path, NOTES / path.name)


def test_phone_coach_and_projector_vote_on_clusters(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    workshop_id, code, email = in_thread(
        plan_workshop(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}", AGENDA)
    )
    base = live_server.url
    api = httpx.Client(base_url=base, timeout=20)
    token = api.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
    coach_headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/workshops/{workshop_id}"

    def command(**body: Any) -> None:
        answer = api.post(f"{url}/commands", headers=coach_headers, json=body)
        assert answer.status_code == 200, answer.text

    guests = []
    for n in range(24):  # one card each: a person's cards have a cooldown between them
        joined = api.post("/api/join", json={"code": code, "display_name": f"Gast {n + 1}"})
        assert joined.status_code == 201, joined.text
        guests.append({"Authorization": f"Bearer {joined.json()['token']}"})
    command(type="start_step", step=0)
    cards: list[str] = []
    for index, name in enumerate(CLUSTERS):
        for n in range(1 + index % 3):
            text = f"{name}: Beobachtung {n + 1} aus der Innenstadt"
            posted = api.post(f"{url}/ideas", headers=guests[len(cards)], json={"text": text})
            assert posted.status_code == 201, posted.text
            cards.append(posted.json()["id"])
    command(type="start_step", step=1)
    for name in CLUSTERS:
        command(type="create_cluster", name=name)
    clusters = [c["id"] for c in api.get(f"{url}/results", headers=coach_headers).json()["clusters"]]
    at = 0
    for index, cluster in enumerate(clusters):
        for _n in range(1 + index % 3):
            command(type="move_idea", idea_id=cards[at], cluster_id=cluster)
            at += 1

    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 15_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    projector = projector_beside(coach_context, base, workshop_id)
    phone_context, phone = phone_on_board(browser, base, code, "Hanna", 15_000)

    command(type="start_step", step=2)
    phone.wait_for_selector("#voting-panel[data-mechanic='vote'] .vote-cluster")
    assert phone.locator(".vote-cluster").count() == 12
    for guest, choice in zip(guests, (0, 0, 4, 7, 0, 4, 9, 11, 11, 3), strict=False):
        voted = api.post(f"{url}/votes", headers=guest, json={"cluster_id": clusters[choice]})
        assert voted.status_code == 201, voted.text
    first = phone.locator(f"#vote-item-{clusters[2]}")
    first.get_by_role("button", name="+ Punkt").click()
    phone.locator("#voting-remaining", has_text="noch 2 von 3").wait_for()
    first.locator("summary").click()
    first.locator(".cluster-card-list li", has_text="Öffnungszeiten: Beobachtung 3").wait_for()
    coach.locator(f"#tally-2-{clusters[0]} .vote-tally", has_text="3").wait_for()  # the coach counts live
    assert phone.locator(f"#tally-2-{clusters[0]} .vote-tally").count() == 0, "hidden until the reveal"
    projector.locator("#tally-dots-2", has_text="11").wait_for()
    _shot(projector, screenshot_dir, "projector-hidden")
    command(type="reveal")
    phone.locator(f"#tally-2-{clusters[0]} .vote-tally", has_text="3").wait_for()
    projector.locator("#beamer-results .beamer-row", has_text="Sitzen und Schatten").wait_for()
    projector.locator("#beamer-results .beamer-row", has_text="Öffnungszeiten").wait_for()
    assert "3 Karten" in projector.locator("#beamer-results .beamer-row", has_text="Öffnungszeiten").inner_text()
    assert [v for v in axe_violations(phone) if v["impact"] in ("serious", "critical")] == []
    _shot(phone, screenshot_dir, "phone-vote")
    _shot(coach, screenshot_dir, "coach-vote")
    _shot(projector, screenshot_dir, "projector-vote")

    command(type="start_step", step=3)
    projector.wait_for_selector("#beamer-ranking")
    projector.locator("#beamer-ranking-title", has_text="Rangfolge der Cluster").wait_for()
    phone.locator("#ranking-list .ranking-item").first.wait_for()
    assert phone.locator("#ranking-list .ranking-item").first.locator(".ranking-text").inner_text() == CLUSTERS[0]
    _shot(phone, screenshot_dir, "phone-ranking")
    _shot(projector, screenshot_dir, "projector-ranking")
    coach.goto(f"{base}/w/{workshop_id}/ergebnis")
    coach.locator("#result-clusters .ranking-item").first.wait_for()
    _shot(coach, screenshot_dir, "coach-result")
    phone_context.close()
    coach_context.close()
