"""In Chromium: the demo coach plans a workshop from a template, reorders by keyboard, opens the run sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, axe_violations, run_cli, server_env

COACH = ("coach@werkstatt.example", "werkstatt-demo")

# Focus on the element with this id, and no htmx swap still settling or request in flight.
SETTLED_ON = (
    "id => document.activeElement && document.activeElement.id === id"
    " && !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request')"
)


def agenda_titles(page: Any) -> list[str]:
    return [title.strip().split("\n")[-1] for title in page.locator("#agenda-list li.agenda-step h3").all_inner_texts()]


@pytest.mark.browser
def test_coach_plans_from_template_and_reorders_by_keyboard(
    browser: Any, live_server: Server, screenshot_dir: Path
) -> None:
    data_dir = live_server.log.parent
    synced = run_cli(server_env(f"sqlite+aiosqlite:///{data_dir / 'werkstatt.db'}", data_dir), "methods", "sync")
    assert synced.returncode == 0, synced.stderr  # the live server starts without syncing the catalogue
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"{page.url}: {message.text[:60]} {message.location}") if message.type == "error" else None
        ),
    )

    page.goto(f"{base}/anmelden?next=/werkstaetten")
    page.fill("#f-email", COACH[0])
    page.fill("#f-password", COACH[1])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/werkstaetten")
    page.get_by_role("link", name="Neue Werkstatt").click()
    page.wait_for_load_state("networkidle")

    page.fill("#f-title", "Ideen-Werkstatt Marktplatz")
    page.fill("#f-date", "2031-04-24")
    page.fill("#f-time", "17:30")
    page.fill("#f-place", "Ratssaal")
    page.fill("#f-expected_participants", "22")
    page.select_option("#f-template", "ideen-werkstatt-kompakt")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "workshops-new.png"), full_page=True)
    page.get_by_role("button", name="Werkstatt anlegen").click()
    page.wait_for_selector("#agenda-list")
    page.wait_for_load_state("networkidle")

    titles = agenda_titles(page)
    assert len(titles) > 10
    assert page.locator("#join-code").inner_text().strip().isalnum()
    assert page.locator("img.join-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(screenshot_dir / "workshops-plan.png"), full_page=True)
    page.screenshot(path=str(screenshot_dir / "workshops-plan-top.png"))
    assert axe_violations(page) == []

    # Keyboard only: the first step's "nach unten" button, Enter; the step moves and focus stays on it.
    first_id = page.locator("#agenda-list li.agenda-step").first.get_attribute("data-step-id")
    page.focus(f"#down-{first_id}")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelectorAll('#agenda-list li.agenda-step')[1]?.dataset.stepId === id", arg=first_id
    )
    assert agenda_titles(page)[:2] == [titles[1], titles[0]]
    # The swap has settled (htmx moves the focus once more when it settles): then Shift+Tab from here.
    page.wait_for_function(SETTLED_ON, arg="down-" + first_id)
    page.keyboard.press("Shift+Tab")  # the "nach oben" button of the same step, now enabled
    page.wait_for_function("id => document.activeElement && document.activeElement.id === 'up-' + id", arg=first_id)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelectorAll('#agenda-list li.agenda-step')[0]?.dataset.stepId === id", arg=first_id
    )
    page.wait_for_function(SETTLED_ON, arg="down-" + first_id)
    assert agenda_titles(page)[:2] == titles[:2]

    # A whole method moves by keyboard: "Methode nach unten" on the first block; focus stays on its button.
    first_block = page.locator("#agenda-list > li.method-block").first.get_attribute("data-block-first")
    block_steps = page.locator(f"#block-{first_block} li.agenda-step").count()
    page.focus(f"#block-down-{first_block}")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelectorAll('#agenda-list > li.method-block')[1]?.dataset.blockFirst === id",
        arg=first_block,
    )
    page.wait_for_function(SETTLED_ON, arg="block-down-" + first_block)
    assert agenda_titles(page)[0] != titles[0] and titles[0] in agenda_titles(page)[block_steps:]
    page.screenshot(path=str(screenshot_dir / "workshops-plan-blocks.png"))
    page.keyboard.press("Shift+Tab")
    page.wait_for_function(SETTLED_ON, arg="block-up-" + first_block)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelectorAll('#agenda-list > li.method-block')[0]?.dataset.blockFirst === id",
        arg=first_block,
    )
    page.wait_for_function(SETTLED_ON, arg="block-down-" + first_block)
    assert agenda_titles(page)[:2] == titles[:2]

    # Inline edit of a step, by keyboard, with the board-mode settings of the chosen mode only.
    second_id = page.locator("#agenda-list li.agenda-step").nth(1).get_attribute("data-step-id")
    page.focus(f"#edit-link-{second_id}")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === 'edit-' + id + '-title'", arg=second_id
    )
    visible_modes = page.locator(f"#step-{second_id} fieldset.config:not([hidden])").count()
    assert visible_modes <= 1
    page.fill(f"#edit-{second_id}-minutes", "25")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "workshops-edit-step.png"), full_page=False)
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_function("id => !document.getElementById('edit-' + id + '-title')", arg=second_id)
    assert "25 Min." in page.locator(f"#step-{second_id}").inner_text()

    page.get_by_role("link", name="Ablaufplan drucken").click()
    page.wait_for_selector("#runsheet-steps")
    assert page.locator("#runsheet-steps td.rs-time").first.inner_text().startswith("17:30")
    assert page.locator("#material-list tbody tr").count() > 3
    page.screenshot(path=str(screenshot_dir / "workshops-runsheet.png"), full_page=True)
    page.screenshot(path=str(screenshot_dir / "workshops-runsheet-top.png"))
    assert axe_violations(page) == []
    plan_url = page.locator(".breadcrumbs a").nth(1).get_attribute("href")
    runsheet_url = page.url

    page.goto(f"{base}/werkstaetten")
    page.screenshot(path=str(screenshot_dir / "workshops-list.png"), full_page=True)
    assert axe_violations(page) == []
    assert errors == [], errors

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    for name, url in (("plan", f"{base}{plan_url}"), ("runsheet", runsheet_url)):
        mobile.goto(url)
        mobile.wait_for_load_state("networkidle")
        mobile.screenshot(path=str(screenshot_dir / f"workshops-{name}-phone.png"), full_page=True)
        mobile.screenshot(path=str(screenshot_dir / f"workshops-{name}-phone-top.png"))
        width = mobile.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{name} scrolls sideways on a phone ({width}px)"
    phone.close()
    context.close()
