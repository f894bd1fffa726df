"""The projector in Chromium through a whole evening: it shows each step's working view, pushed (it never
fetches a board), and a vote's reveal stays with its step: the results step shows the ranking on the projector
and on a phone although a later vote is still to come. The phone keeps the step in view (a sticky bar with the
step, timer, "pausiert" and the dots left; back to the step when it changes); the coach hides the join box."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.screens import phone_on_board, projector_beside
from tests.browser.test_live_board import coach_on_board, in_thread, plan_workshop
from tests.conftest import Server, axe_violations
from tests.factories import PASSWORD

AGENDA = [
    {"title": "Was stört Sie?", "minutes": 10, "question": "Was stört Sie am Markt?", "board": {"mechanic": "collect"}},
    {
        "title": "Punkte vergeben",
        "minutes": 5,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2, "hidden": True}},
    },
    {"title": "Ergebnis zeigen", "minutes": 3, "board": {"mechanic": "rank", "config": {"source": "votes"}}},
    {
        "title": "Aufwand und Nutzen",
        "minutes": 10,
        "board": {"mechanic": "rate_matrix", "config": {"x_label": "Aufwand", "y_label": "Nutzen"}},
    },
    # A later vote, as in the shipped "Ideen-Werkstatt kompakt": it must not cover the first vote's result.
    {
        "title": "Noch einmal priorisieren",
        "minutes": 5,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 2, "hidden": True}},
    },
]
CARDS = ["Mehr Bänke am Brunnen", "Abendmarkt im Sommer", "Spielecke für Kinder", "Öffentliche Toilette am Markt"]
# Three API guests put their dots: the evening market 4, the benches 2, the play corner 1 (and the phone 1 more).
DOTS = [
    ["Abendmarkt im Sommer", "Abendmarkt im Sommer", "Mehr Bänke am Brunnen"],
    ["Abendmarkt im Sommer", "Abendmarkt im Sommer", "Spielecke für Kinder"],
    ["Mehr Bänke am Brunnen"],
]


@pytest.mark.browser
def test_projector_shows_each_steps_result(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    workshop_id, code, email = in_thread(
        plan_workshop(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}", AGENDA)
    )
    base = live_server.url
    api = httpx.Client(base_url=base, timeout=20)
    token = api.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
    coach_headers = {"Authorization": f"Bearer {token}"}

    def command(**body: Any) -> None:
        answer = api.post(f"/api/workshops/{workshop_id}/commands", headers=coach_headers, json=body)
        assert answer.status_code == 200, answer.text

    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 10_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    projector = projector_beside(coach_context, base, workshop_id)
    fetched: list[str] = []
    projector.on("request", lambda r: fetched.append(r.url) if r.method == "GET" and "/w/" in r.url else None)

    phone_context, phone = phone_on_board(browser, base, code, "Hanna", 10_000)

    guests = []
    for n in range(3):
        joined = api.post("/api/join", json={"code": code, "display_name": f"Gast {n + 1}"})
        assert joined.status_code == 201, joined.text
        guests.append({"Authorization": f"Bearer {joined.json()['token']}"})

    command(type="start_step", step=0)
    command(type="start_timer")
    command(type="pause_timer")
    phone.locator("#timer-state", has_text="pausiert").wait_for()  # written, not only a colour
    ids: dict[str, str] = {}
    for n, text in enumerate(CARDS):
        posted = api.post(f"/api/workshops/{workshop_id}/ideas", headers=guests[n % 3], json={"text": text})
        assert posted.status_code == 201, posted.text
        ids[text] = posted.json()["id"]
    phone.fill("#idea-text", "Wochenmarkt auch samstags")
    phone.get_by_role("button", name="Karte posten").click()
    for text in CARDS:
        projector.locator(".idea-text", has_text=text).wait_for()
    # Own cards first on the phone, the others after them.
    phone.locator(".idea.idea-own", has_text="Wochenmarkt auch samstags").wait_for()
    phone.wait_for_function("() => document.querySelector('#ideas-step-0 > .idea').classList.contains('idea-own')")
    assert "Wochenmarkt auch samstags" in phone.locator("#ideas-step-0 > .idea").first.inner_text()
    # A comment's counter follows live.
    commented = api.post(
        f"/api/workshops/{workshop_id}/ideas/{ids['Spielecke für Kinder']}/comments",
        headers=guests[1],
        json={"text": "Mit Sandkasten"},
    )
    assert commented.status_code == 201, commented.text
    phone.locator(f"#cc-{ids['Spielecke für Kinder']}", has_text="1").wait_for()

    # The vote: the projector counts the dots live while the result stays covered.
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    command(type="start_step", step=1)
    projector.wait_for_selector("#beamer-vote")
    phone.wait_for_selector("#voting-panel[data-mechanic='vote']")
    phone.wait_for_function("() => window.scrollY < 400")  # back to the step
    for guest, choices in zip(guests, DOTS, strict=True):
        for text in choices:
            voted = api.post(f"/api/workshops/{workshop_id}/votes", headers=guest, json={"idea_id": ids[text]})
            assert voted.status_code == 201, voted.text
    phone.locator(".vote-item", has_text="Spielecke für Kinder").get_by_role("button", name="+ Punkt").click()
    phone.locator("#bar-dots", has_text="2 / 3").wait_for()
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    bar = phone.locator("#step-bar")
    assert bar.is_visible() and bar.bounding_box()["y"] <= 1, "the step bar stays at the top"
    assert "Punkte vergeben" in bar.inner_text()
    phone.screenshot(path=str(screenshot_dir / "projector-phone-vote-scrolled.png"))
    projector.locator("#tally-dots-1", has_text="8").wait_for()
    assert projector.locator("#beamer-results").count() == 0, "covered until the reveal"
    projector.screenshot(path=str(screenshot_dir / "projector-vote-covered.png"))

    command(type="reveal")
    top = projector.locator("#beamer-results .beamer-row").first
    top.filter(has_text="Abendmarkt im Sommer").wait_for()
    assert "4" in top.locator(".vote-tally").inner_text()
    second = projector.locator("#beamer-results .beamer-row").nth(1)
    assert "Mehr Bänke am Brunnen" in second.inner_text() and "2." in second.inner_text()
    projector.screenshot(path=str(screenshot_dir / "projector-vote-revealed.png"))

    # The results step: the ranking on the projector and on the phone, though a later vote is to come.
    command(type="start_step", step=2)
    projector.locator("#beamer-ranking .beamer-row").first.filter(has_text="Abendmarkt im Sommer").wait_for()
    phone.locator("#ranking-list .ranking-item").first.filter(has_text="Abendmarkt im Sommer").wait_for()
    assert phone.locator("#voting-hidden-note").count() == 0, "the revealed vote is not covered by a later one"
    assert "Ergebnis zeigen" in phone.locator("#step-bar").inner_text()
    results = api.get(f"/api/workshops/{workshop_id}/results", headers=guests[0]).json()
    assert results["hidden"] is False
    assert [(i["text"], i["votes"], i["rank"]) for i in results["ideas"][:2]] == [
        ("Abendmarkt im Sommer", 4, 1),
        ("Mehr Bänke am Brunnen", 2, 2),
    ]
    projector.screenshot(path=str(screenshot_dir / "projector-ranking.png"))
    # The rows fade and grow in; contrast is measured once the animations have settled.
    settle_animations(projector)
    assert [(v["id"], [n["html"][:160] for n in v["nodes"]]) for v in axe_violations(projector)] == []

    # The matrix: labelled points, and the coach hides the join box (pushed to the projector).
    command(type="start_step", step=3)
    projector.wait_for_selector("#beamer-matrix")
    for guest in guests:
        for text in CARDS[:3]:
            rated = api.post(
                f"/api/workshops/{workshop_id}/votes",
                headers=guest,
                json={"idea_id": ids[text], "score_x": 2, "score_y": 4},
            )
            assert rated.status_code == 201, rated.text
    projector.locator("#vote-matrix-figure svg text", has_text="1").first.wait_for()
    assert projector.locator(".beamer-legend-list li", has_text="Mehr Bänke am Brunnen").count() == 1
    assert projector.locator("#projector-join").is_visible()
    coach.get_by_role("button", name="Beitritt auf dem Beamer ausblenden").click()
    projector.wait_for_selector("#projector-join", state="hidden")
    coach.get_by_role("button", name="Beitritt auf dem Beamer zeigen").wait_for()
    projector.screenshot(path=str(screenshot_dir / "projector-matrix.png"))

    # A later hidden vote with dots keeps back only its own dots; the first vote's result stays shown.
    command(type="start_step", step=4)
    voted = api.post(
        f"/api/workshops/{workshop_id}/votes", headers=guests[2], json={"idea_id": ids["Spielecke für Kinder"]}
    )
    assert voted.status_code == 201, voted.text
    results = api.get(f"/api/workshops/{workshop_id}/results", headers=guests[0]).json()
    assert results["hidden"] is True
    assert results["ideas"][0]["text"] == "Abendmarkt im Sommer" and results["ideas"][0]["votes"] == 4

    command(type="close")
    closing = projector.locator("#beamer-closing")
    closing.wait_for()
    assert "Vielen Dank" in closing.inner_text()
    assert "Abendmarkt im Sommer" in closing.locator(".beamer-row").first.inner_text()
    projector.screenshot(path=str(screenshot_dir / "projector-closed.png"))
    assert fetched == [], f"the projector fetched: {fetched}"
    # The rows fade and grow in; contrast is measured once the animations have settled.
    settle_animations(projector)
    assert [(v["id"], [n["html"][:160] for n in v["nodes"]]) for v in axe_violations(projector)] == []
    phone_context.close()
    coach_context.close()


def settle_animations(page: Any) -> None:
    """Waits until the page's CSS animations have finished (the CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + 10
    while not page.evaluate("() => document.getAnimations().every((a) => a.playState === 'finished')"):
        assert time.monotonic() < deadline, "the projector's animations did not settle"
        page.wait_for_timeout(100)
