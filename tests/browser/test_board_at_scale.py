"""A board with 110 cards in Chromium, for the coach on a laptop and a guest on a 360×740 phone: each column
shows its first 60 cards, "weitere anzeigen" brings the rest, the page stays short enough to use, and the
cluster view spreads over the screen's width."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import create_async_engine

from tests.board.test_page_size import add_cards
from tests.browser.screens import phone_on_board
from tests.browser.test_live_board import coach_on_board, in_thread, plan_workshop
from tests.conftest import Server, axe_violations
from werkstatt.db import create_sessionmaker

AGENDA = [
    {
        "title": "Sammeln",
        "minutes": 10,
        "question": "Was wünschen Sie sich am Markt?",
        "board": {"mechanic": "collect", "config": {"max_length": 280}},
    },
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
]
MEASURE = """() => ({
  height: document.documentElement.scrollHeight,
  focusable: Array.from(document.querySelectorAll('a[href], button, input, select, textarea, summary'))
    .filter(e => e.offsetParent !== null && !e.closest('dialog:not([open])')).length,
  cards: document.querySelectorAll('#board article.idea').length,
})"""


async def _cards(database_url: str, workshop_id: str, count: int) -> None:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        await add_cards(db, str(UUID(workshop_id)), 0, count)
    await engine.dispose()


@pytest.mark.browser
def test_board_with_110_cards_on_laptop_and_phone(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}"
    workshop_id, code, email = in_thread(
        plan_workshop(database_url, AGENDA, network_name="Skala (Test)", email="skala@marienberg.example")
    )
    base = live_server.url
    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1366, 900), 15_000)
    coach.get_by_role("button", name="Starten: Sammeln").click()
    coach.wait_for_selector("#board.mode-collect")
    in_thread(_cards(database_url, workshop_id, 110))

    coach.goto(f"{base}/w/{workshop_id}")
    coach.wait_for_selector("#live-status[data-state='online']")
    first = coach.evaluate(MEASURE)
    assert first["cards"] == 60
    coach.get_by_role("link", name="50 weitere anzeigen").click()
    coach.wait_for_function("() => document.querySelectorAll('#board article.idea').length === 110")
    laptop = coach.evaluate(MEASURE)
    coach.screenshot(path=str(screenshot_dir / "lean-coach-110.png"), full_page=True)
    assert [(v["id"], [n["html"][:100] for n in v["nodes"]]) for v in axe_violations(coach)] == []

    phone_context, phone = phone_on_board(browser, base, code, "Mira", 15_000)
    mobile = phone.evaluate(MEASURE)
    assert mobile["cards"] == 60
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    # her own card: "Bearbeiten …" opens the shared dialog with its text; saving changes it for everyone
    phone.fill("#idea-text", "Trinkbrunnen am Markt")
    phone.get_by_role("button", name="Karte posten").click()
    own = phone.locator("#board article.idea-own")
    own.wait_for()
    own.get_by_role("button", name="Bearbeiten …").click()
    phone.wait_for_selector("#edit-dialog[open]")
    assert phone.input_value("#edit-text") == "Trinkbrunnen am Markt"
    phone.fill("#edit-text", "Trinkbrunnen mit Schatten am Markt")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#edit-dialog:not([open])", state="attached")
    own.locator(".idea-text", has_text="Trinkbrunnen mit Schatten am Markt").wait_for()
    assert phone.locator("#board [data-open='edit-dialog']:visible").count() == 1, "only on her own card"
    # a reaction and a comment on another card (the forms name only the end of their URL)
    card_id = phone.locator("#board article.idea").nth(1).get_attribute("data-idea-id")
    before = int(phone.inner_text(f"#rc-{card_id}-idee"))
    phone.locator(f"#idea-{card_id}").get_by_role("button", name="Gute Idee").click()
    phone.wait_for_function(
        "([id, n]) => document.getElementById('rc-' + id + '-idee').textContent.trim() === String(n)",
        arg=[card_id, before + 1],
    )
    # a card with comments shows them open; a pushed copy of the card keeps the box open either way
    # (tests/browser/test_question_columns.py)
    details = phone.locator(f"#idea-{card_id} .idea-comments")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    comment = phone.locator(f"#idea-{card_id} .idea-comments input[name=text]")
    comment.fill("Und ein Sonnensegel")
    comment.press("Enter")
    phone.locator(f"#comments-{card_id} li", has_text="Und ein Sonnensegel").wait_for()
    # the form clears itself when its own post is answered (the pushed comment may arrive first; the morph
    # keeps a draft until then)
    expect(comment).to_have_value("")
    phone.screenshot(path=str(screenshot_dir / "lean-phone-110-top.png"))
    phone.screenshot(path=str(screenshot_dir / "lean-phone-110.png"), full_page=True)
    assert [(v["id"], [n["html"][:100] for n in v["nodes"]]) for v in axe_violations(phone)] == []

    coach.get_by_role("button", name="Starten: Ordnen").click()
    coach.wait_for_selector("#board.mode-cluster")
    for name in ("Schatten", "Spielen", "Wasser"):
        coach.fill("#cluster-name", name)
        coach.get_by_role("button", name="Anlegen").click()
        coach.wait_for_selector(f".cluster h3:has-text('{name}')")
    clusters = coach.evaluate(MEASURE)
    tops = coach.evaluate(
        "() => Array.from(document.querySelectorAll('#cluster-grid > .cluster'), c => c.getBoundingClientRect().top)"
    )
    assert len(tops) == 3 and len(set(tops)) == 1, "the clusters stand side by side"
    coach.evaluate("() => window.scrollTo(0, 0)")
    coach.screenshot(path=str(screenshot_dir / "lean-coach-110-clusters.png"), full_page=False)
    print(f"\nlaptop coach, 110 cards shown: {laptop}\nfirst view (60 cards): {first}")
    print(f"phone guest (60 of 110 cards): {mobile}\ncoach cluster view: {clusters}")
    coach_context.close()
    phone_context.close()
