"""In Chromium: the demo admin invites a coach, the coach sets a password via the link, signs in, sees the
network and edits a town's focus topics. Screenshots go to var/screenshots/network-*.png; axe-core finds no
serious or critical violation on any of these pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, axe_violations

DEMO_PASSWORD = "werkstatt-demo"


def check(page: Any, shots: Path, name: str, seen: dict[str, list[str]]) -> None:
    page.screenshot(path=str(shots / f"network-{name}.png"), full_page=True)
    violations = axe_violations(page)
    seen[name] = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in violations]


@pytest.mark.browser
def test_admin_invites_coach_who_edits_a_towns_focus_topics(
    browser: Any, live_server: Server, screenshot_dir: Path
) -> None:
    seen: dict[str, list[str]] = {}
    errors: list[str] = []
    admin_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    admin = admin_context.new_page()
    admin.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    admin.goto(live_server.url + "/anmelden")
    check(admin, screenshot_dir, "login", seen)
    admin.get_by_label("E-Mail-Adresse").fill("admin@werkstatt.example")
    admin.locator("#f-password").fill(DEMO_PASSWORD)
    admin.get_by_role("button", name="Anmelden").click()
    admin.wait_for_url("**/netzwerk")
    assert admin.locator("h1").inner_text() == "Lust auf Innenstadt"
    assert admin.locator("#town-list > li").count() == 7
    check(admin, screenshot_dir, "overview", seen)

    admin.get_by_role("link", name="Netzwerk verwalten").click()
    admin.wait_for_load_state()
    check(admin, screenshot_dir, "admin", seen)
    admin.get_by_role("link", name="Konten und Einladungen").click()
    admin.locator("#invite-form #f-email").fill("neue.coachin@werkstatt.example")
    admin.get_by_label("Name (freiwillig)").fill("Mia Beispiel")
    admin.get_by_label("Rolle", exact=True).select_option("coach")
    admin.get_by_role("button", name="Einladung erstellen").click()
    link = admin.locator("#new-link-url").get_attribute("href")
    assert link and "/einladung/" in link
    check(admin, screenshot_dir, "accounts", seen)

    coach_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    coach = coach_context.new_page()
    coach.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    coach.goto(link)
    assert coach.locator("#invitation-email").inner_text() == "neue.coachin@werkstatt.example"
    assert coach.get_by_label("Ihr Name, wie andere ihn sehen").input_value() == "Mia Beispiel"
    check(coach, screenshot_dir, "invitation", seen)
    coach.locator("#f-password").fill("mein-sicheres-passwort")
    coach.locator("#f-password_repeat").fill("mein-sicheres-passwort")
    coach.get_by_role("button", name="Passwort festlegen").click()
    coach.wait_for_url("**/anmelden?ok=passwort-gesetzt")
    assert "Passwort ist gesetzt" in coach.get_by_role("status").inner_text()

    coach.get_by_label("E-Mail-Adresse").fill("neue.coachin@werkstatt.example")
    coach.locator("#f-password").fill("mein-sicheres-passwort")
    coach.keyboard.press("Enter")
    coach.wait_for_url("**/netzwerk")
    assert coach.locator("h1").inner_text() == "Lust auf Innenstadt"
    assert coach.get_by_role("link", name="Mia Beispiel").is_visible()

    coach.get_by_role("link", name="Zschopau").click()
    coach.wait_for_load_state()
    check(coach, screenshot_dir, "town", seen)
    coach.get_by_role("link", name="Schwerpunkte bearbeiten").click()
    coach.wait_for_load_state()
    form = coach.locator("#town-topics-form")
    image = form.locator("fieldset", has_text="Image und Identität")
    image.get_by_label("Gewählt").focus()
    coach.keyboard.press("Space")  # keyboard, not mouse
    image.get_by_label("Priorität").select_option("2")
    image.get_by_label("Notiz").fill("Motorradstadt als Marke – mit dem Museum im Schloss")
    form.locator("fieldset", has_text="Digitale Innenstadt").get_by_label("Gewählt").uncheck()
    check(coach, screenshot_dir, "town-topics", seen)
    coach.get_by_role("button", name="Schwerpunkte speichern").click()
    coach.wait_for_url("**/staedte/*?ok=gespeichert")
    topics = coach.locator("#town-topics > li")
    names = [topics.nth(index).locator("strong").inner_text() for index in range(topics.count())]
    assert "Image und Identität" in names and "Digitale Innenstadt" not in names
    assert "Motorradstadt als Marke" in coach.locator("#town-topics").inner_text()
    check(coach, screenshot_dir, "town-saved", seen)

    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    phone = phone_context.new_page()
    phone.goto(live_server.url + "/anmelden")
    phone.get_by_label("E-Mail-Adresse").fill("coach@werkstatt.example")
    phone.locator("#f-password").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Anmelden").click()
    phone.wait_for_url("**/netzwerk")
    phone.screenshot(path=str(screenshot_dir / "network-overview-phone.png"), full_page=True)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360, "sideways scrolling on a phone"

    for context in (admin_context, coach_context, phone_context):
        context.close()
    assert {name: found for name, found in seen.items() if found} == {}
    assert errors == []
