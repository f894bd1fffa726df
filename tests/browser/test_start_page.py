from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, axe_violations


@pytest.mark.browser
def test_start_page_in_chromium(browser: Any, live_server: Server, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    foreign: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.url) or request.url.startswith("data:")
            else foreign.append(request.url)
        ),
    )
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "de"
    assert "Ideen für die Innenstadt" in page.locator("h1").inner_text()
    assert page.evaluate("() => typeof htmx") == "object"
    page.screenshot(path=str(screenshot_dir / "start-desktop.png"), full_page=True)
    assert foreign == []
    assert errors == [], errors
    assert axe_violations(page) == []

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"

    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(live_server.url + "/")
    mobile.screenshot(path=str(screenshot_dir / "start-phone.png"), full_page=True)
    width = mobile.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, "page scrolls sideways on a phone"
    phone.close()
    context.close()
