"""The catalogue in Chromium: filter to "Projektumsetzung, ≤ 30 min", back button, open a card, print view."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import Server, axe_violations, run_cli, server_env


def _watch(page: Any, server: Server) -> tuple[list[str], list[str]]:
    foreign: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(server.url) or r.url.startswith("data:") else foreign.append(r.url),
    )
    page.on("console", lambda m: errors.append(f"{m.text} @ {m.location}") if m.type == "error" else None)
    return foreign, errors


def axe(page: Any, errors: list[str]) -> list[dict[str, Any]]:
    """axe-core's own probing trips the style CSP in the console; that is not an error of the page."""
    before = len(errors)
    found = axe_violations(page)
    del errors[before:]
    return found


@pytest.mark.browser
def test_catalogue_in_chromium(browser: Any, live_server: Server, tmp_path: Path, screenshot_dir: Path) -> None:
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}", tmp_path)
    synced = run_cli(env, "methods", "sync")
    assert synced.returncode == 0, synced.stderr

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    foreign, errors = _watch(page, live_server)
    page.goto(live_server.url + "/methoden")
    page.wait_for_load_state("networkidle")
    assert page.locator("#method-list > li").count() == 44
    page.screenshot(path=str(screenshot_dir / "catalogue-list.png"), full_page=False)
    assert axe(page, errors) == []

    with page.expect_response(lambda r: "category=projektumsetzung" in r.url):
        page.select_option("#f-category", "projektumsetzung")
    with page.expect_response(lambda r: "max_minutes=30" in r.url):
        page.select_option("#f-max_minutes", "30")
    expect(page.locator("#method-list > li")).to_have_count(4)
    assert "category=projektumsetzung" in page.url and "max_minutes=30" in page.url
    assert page.locator(".result-count").inner_text().strip() == "4 Methoden gefunden"
    page.screenshot(path=str(screenshot_dir / "catalogue-filtered.png"), full_page=True)
    assert axe(page, errors) == []

    page.go_back()
    expect(page.locator("#method-list > li")).to_have_count(6)
    assert "max_minutes" not in page.url
    expect(page.locator("#f-category")).to_have_value("projektumsetzung")
    page.go_forward()
    expect(page.locator("#method-list > li")).to_have_count(4)

    page.get_by_role("link", name="Aufwand-Nutzen-Matrix").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Aufwand-Nutzen-Matrix"
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "{}")
    assert data["@type"] == "HowTo" and len(data["step"]) == page.locator("#timeline > li").count()
    with page.expect_response(lambda r: "personen=40" in r.url):
        page.fill("#f-personen", "40")
        page.press("#f-personen", "Enter")
    page.wait_for_url("**personen=40**")
    expect(page.locator("#materials caption")).to_have_text("Material für 40 Personen")
    page.screenshot(path=str(screenshot_dir / "catalogue-detail.png"), full_page=True)
    assert axe(page, errors) == []

    page.get_by_role("link", name="Druckansicht (A4)").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".print-card h1").inner_text() == "Aufwand-Nutzen-Matrix"
    assert axe(page, errors) == []
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator("[data-print]").is_hidden()
    page.screenshot(path=str(screenshot_dir / "catalogue-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2, "the print card should fit on two A4 pages"
    assert foreign == []
    assert errors == [], errors
    context.close()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    mobile = phone.new_page()
    for path, name in [
        ("/methoden?category=projektumsetzung&max_minutes=30", "catalogue-phone-list.png"),
        ("/methoden/aufwand-nutzen-matrix", "catalogue-phone-detail.png"),
        ("/methoden/aufwand-nutzen-matrix/druck", "catalogue-phone-print.png"),
    ]:
        mobile.goto(live_server.url + path)
        mobile.wait_for_load_state("networkidle")
        mobile.screenshot(path=str(screenshot_dir / name), full_page=True)
        width = mobile.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways on a phone ({width}px)"
    phone.close()
