"""In Chromium: the demo admin uploads a town's logo on the town's admin page (file picker, preview, German
error for a wrong file, remove button); axe-core finds no serious or critical violation on the form."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.conftest import Server, axe_violations

DEMO_PASSWORD = "werkstatt-demo"
SHOTS = Path(os.environ.get("WERKSTATT_EVENING_SHOTS", "/work/notes/shots"))


def emblem() -> bytes:
    image = Image.new("RGB", (360, 120), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 110, 110), fill="#1f4e79")
    draw.text((130, 50), "Stadt Marienberg", fill="#1f4e79")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.browser
def test_admin_uploads_previews_and_removes_a_towns_logo(browser: Any, live_server: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    admin = context.new_page()
    admin.goto(live_server.url + "/anmelden")
    admin.get_by_label("E-Mail-Adresse").fill("admin@werkstatt.example")
    admin.locator("#f-password").fill(DEMO_PASSWORD)
    admin.get_by_role("button", name="Anmelden").click()
    admin.wait_for_url("**/netzwerk")
    admin.get_by_role("link", name="Netzwerk verwalten").click()
    admin.locator("#main a[href*='/staedte/']").first.click()
    admin.wait_for_selector("#town-logo-form")

    admin.get_by_label("Bilddatei (PNG oder JPEG)").set_input_files(
        {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": b"<svg xmlns='http://www.w3.org/2000/svg'/>"}
    )
    admin.get_by_role("button", name="Logo hochladen").click()
    assert "Nur PNG- oder JPEG-Bilder sind erlaubt" in admin.locator("#town-logo-errors").inner_text()

    admin.get_by_label("Bilddatei (PNG oder JPEG)").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": emblem()}
    )
    admin.get_by_role("button", name="Logo hochladen").click()
    admin.get_by_role("status").filter(has_text="Das Logo ist gespeichert.").wait_for()
    preview = admin.locator("#town-logo-preview")
    admin.wait_for_function("() => document.querySelector('#town-logo-preview').naturalWidth === 360")
    assert preview.is_visible()
    assert [v["id"] for v in axe_violations(admin)] == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin.locator("#town-logo").screenshot(path=str(SHOTS / "evening-admin-logo.png"))
    admin.screenshot(path=str(SHOTS / "evening-admin-logo-page.png"), full_page=True)

    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name="Logo entfernen").click()
    admin.get_by_role("status").filter(has_text="Das Logo ist entfernt.").wait_for()
    assert admin.locator("#town-logo-preview").count() == 0
    context.close()
