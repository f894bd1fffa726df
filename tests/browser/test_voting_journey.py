"""Voting in Chromium: three guests dot-vote on hidden tallies, the coach reveals, a ranking appears, the coach
turns the winning card into a project idea owned by the town's Kernteam, and it shows on the town page.
Everything the votes change is pushed: no board fetches its vote panel (no GET of /stimmen), a guest's second
device follows her dots, the coach's chips per target group and a fixed order arrive by themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.test_live_board import coach_on_board, in_thread
from tests.conftest import Server, axe_violations
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {"title": "Ideen sammeln", "minutes": 10, "question": "Was braucht der Markt?", "board": {"mechanic": "collect"}},
    {
        "title": "Punkte kleben",
        "minutes": 10,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 1, "hidden": True}},
    },
    {"title": "Rangfolge", "minutes": 5, "board": {"mechanic": "rank"}},
]
CARDS = {"Anna": "Abendmarkt im Sommer", "Bernd": "Mehr Bänke am Brunnen", "Clara": "Spielecke für Kinder"}
# Who puts a dot where: the market gets three, the others one each (a tie for second place).
VOTES = {
    "Anna": ["Abendmarkt im Sommer", "Mehr Bänke am Brunnen"],
    "Bernd": ["Abendmarkt im Sommer", "Spielecke für Kinder"],
    "Clara": ["Abendmarkt im Sommer"],
}
GROUPS = {"Anna": "Jugendliche", "Bernd": "Senioren", "Clara": "Jugendliche"}
TOWN = "Annaberg-Buchholz"
KERNTEAM = f"Kernteam {TOWN}"  # tests.factories.make_network adds one Kernteam member per town


async def _setup(database_url: str) -> tuple[str, str, str, str]:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db, "Abstimmungstest", towns=(TOWN,))
        coach = await make_account(db, Role.coach, network.network, email="coach@annaberg.example")
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "Was wird aus dem Markt?",
                "agenda": AGENDA,
                "target_groups": ["jugendliche", "senioren"],
            }
        )
        workshop = await create_workshop(db, account_snapshot(coach), data)
        await db.commit()
        result = (str(workshop.id), workshop.join_code, coach.email, str(network.towns[0].id))
    await engine.dispose()
    return result


def _card_id(page: Any, text: str) -> str:
    item_id = page.locator(".vote-item", has_text=text).get_attribute("id")
    assert item_id and item_id.startswith("vote-item-")
    return str(item_id)[len("vote-item-") :]


def _axe(page: Any) -> list[tuple[str, list[str]]]:
    return [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe_violations(page)]


@pytest.mark.browser
def test_dot_vote_reveal_rank_project_idea_town(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    workshop_id, code, email, town_id = in_thread(
        _setup(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}")
    )
    base = live_server.url
    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1280, 900), 10_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    coach.get_by_role("button", name="Starten: Ideen sammeln").click()
    coach.wait_for_selector("#board.mode-collect")

    guests: dict[str, Any] = {}
    for name, text in CARDS.items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{base}/beitreten/{code}")
        page.fill("#f-display_name", name)
        page.select_option("#f-target_group", label=GROUPS[name])
        page.get_by_role("button", name="Mitmachen").click()
        page.wait_for_selector("#live-status[data-state='online']")
        page.fill("#idea-text", text)
        page.get_by_role("button", name="Karte posten").click()
        page.locator(".idea-text", has_text=text).wait_for()
        guests[name] = page
    for text in CARDS.values():
        coach.locator(".idea-text", has_text=text).wait_for()

    coach.get_by_role("button", name="Starten: Punkte kleben").click()
    coach.wait_for_selector("#voting-panel[data-mechanic='vote']")
    second = guests["Anna"].context.new_page()  # Anna's second device (same session)
    second.goto(f"{base}/w/{workshop_id}")
    second.wait_for_selector("#live-status[data-state='online']")
    second.wait_for_selector("#voting-panel[data-mechanic='vote']")
    for page in guests.values():
        page.wait_for_selector("#voting-panel[data-mechanic='vote']")
    fetched: list[str] = []
    for page in (coach, second, *guests.values()):
        page.on("request", lambda r: fetched.append(r.url) if r.method == "GET" and "/stimmen" in r.url else None)
    for name, choices in VOTES.items():
        page = guests[name]
        page.wait_for_selector("#voting-panel[data-mechanic='vote']")
        for number, text in enumerate(choices, start=1):
            page.locator(".vote-item", has_text=text).get_by_role("button", name="+ Punkt").click()
            page.locator("#voting-remaining", has_text=f"noch {3 - number} von 3").wait_for()
    anna = guests["Anna"]
    assert anna.locator(".vote-tally").count() == 0, "hidden tallies are not shown to guests"
    coach.locator("#tally-dots-1", has_text="5").wait_for()
    market = coach.locator(".vote-item", has_text="Abendmarkt im Sommer")
    market.locator(".vote-group", has_text="Jugendliche: 2").wait_for()  # the coach's chips, pushed
    market.locator(".vote-group", has_text="Senioren: 1").wait_for()
    second.locator("#voting-remaining", has_text="noch 1 von 3").wait_for()  # Anna's other device follows
    assert second.locator(f"#vote-mine-{_card_id(second, 'Abendmarkt im Sommer')}").inner_text().strip().endswith("1")
    plus = second.locator(".vote-item", has_text="Abendmarkt im Sommer").get_by_role("button", name="+ Punkt")
    assert plus.is_disabled(), "one dot per card: + is off on the card she gave one"
    assert second.locator(".vote-tally").count() == 0
    anna.screenshot(path=str(screenshot_dir / "voting-guest-dots.png"), full_page=True)
    coach.screenshot(path=str(screenshot_dir / "voting-coach-hidden.png"), full_page=True)

    coach.get_by_role("button", name="Ergebnis aufdecken").click()
    anna.locator(".vote-item", has_text="Abendmarkt im Sommer").locator(".vote-tally", has_text="3").wait_for()
    anna.locator(".vote-item", has_text="Spielecke für Kinder").locator(".vote-tally", has_text="1").wait_for()
    assert fetched == [], f"a board fetched its vote panel: {fetched}"
    anna.screenshot(path=str(screenshot_dir / "voting-guest-revealed.png"), full_page=True)
    assert _axe(anna) == []

    coach.get_by_role("button", name="Starten: Rangfolge").click()
    for page in (coach, anna):
        page.wait_for_selector("#ranking-list .ranking-item")
        first = page.locator("#ranking-list .ranking-item").first
        assert "Abendmarkt im Sommer" in first.inner_text() and "1." in first.inner_text()
    assert anna.locator("#ranking-list .badge", has_text="gleichauf").count() == 2
    coach.screenshot(path=str(screenshot_dir / "voting-coach-ranking.png"), full_page=True)
    assert _axe(coach) == []
    # The coach fixes another order; Anna's list follows without fetching anything.
    fetched.clear()
    coach.get_by_text("Endgültige Reihenfolge festlegen").click()
    for place, text in enumerate(["Spielecke für Kinder", "Abendmarkt im Sommer", "Mehr Bänke am Brunnen"], start=1):
        coach.get_by_role("spinbutton", name=text).fill(str(place))
    coach.get_by_role("button", name="Reihenfolge festlegen").click()
    first = anna.locator("#ranking-list .ranking-item").first
    first.filter(has_text="Spielecke für Kinder").wait_for()
    assert "1." in first.inner_text() and "festgelegt" in first.inner_text()
    assert fetched == [], fetched

    anna.goto(f"{base}/w/{workshop_id}/ergebnis")
    anna.wait_for_selector("#result-ranking")
    assert anna.locator("#projektidee-form").count() == 0
    anna.screenshot(path=str(screenshot_dir / "voting-result-guest.png"), full_page=True)
    assert _axe(anna) == []

    coach.goto(f"{base}/w/{workshop_id}/ergebnis")
    coach.locator("#participation tbody tr", has_text="Jugendliche").locator("td", has_text="2").wait_for()
    coach.locator(".ranking-item", has_text="Abendmarkt im Sommer").get_by_role(
        "link", name="Als Projektidee übernehmen"
    ).click()
    coach.wait_for_selector("#projektidee-form")
    assert coach.locator("#f-title").input_value() == "Abendmarkt im Sommer"
    coach.fill("#f-description", "Freitags bis 22 Uhr, mit Musik und Essen aus der Region.")
    coach.locator("#projektidee-form input[name='focus_topic_ids']").first.check()
    coach.select_option("#f-owner_id", label=KERNTEAM)
    coach.fill("#f-step_text_0", "Marktamt und Händler fragen")
    coach.fill("#f-step_due_0", "2027-03-15")
    coach.select_option("#f-status", "ausgewaehlt")
    coach.get_by_role("button", name="Projektidee speichern").click()
    coach.locator(".notice", has_text="Die Projektidee ist gespeichert.").wait_for()
    project = coach.locator("#project-list .project-item", has_text="Abendmarkt im Sommer")
    assert KERNTEAM in project.inner_text() and "ausgewählt" in project.inner_text()
    coach.screenshot(path=str(screenshot_dir / "voting-result-coach.png"), full_page=True)
    assert _axe(coach) == []

    coach.goto(f"{base}/staedte/{town_id}")
    listed = coach.locator("#town-project-list .project-item", has_text="Abendmarkt im Sommer")
    listed.wait_for()
    assert KERNTEAM in listed.inner_text() and "ausgewählt" in listed.inner_text()
    assert listed.get_by_role("link").get_attribute("href") == f"/w/{workshop_id}/ergebnis"
    # Months later: the project idea moves on, from the town page, by keyboard.
    listed.get_by_label("Weiter zu").select_option("in_umsetzung")
    listed.get_by_role("button", name="Status ändern").focus()
    coach.keyboard.press("Enter")
    coach.locator("#town-project-list .project-status", has_text="in Umsetzung").wait_for()
    assert "umgesetzt" in coach.locator("#town-project-list select").first.inner_text()
    focused = coach.evaluate("() => document.activeElement && document.activeElement.id")
    assert focused and focused.startswith("status-button-"), "focus stays on the button after the swap"
    coach.locator("#town-project-ideas").scroll_into_view_if_needed()
    coach.screenshot(path=str(screenshot_dir / "voting-town.png"), full_page=True)
    assert _axe(coach) == []
    coach_context.close()
