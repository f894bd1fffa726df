"""The screens of a room in Chromium, opened the way people open them: a phone that joins with the code, and the
projector beside the coach's board (the same signed-in context)."""

from __future__ import annotations

from typing import Any

ONLINE = "#live-status[data-state='online']"


def phone_on_board(browser: Any, base: str, code: str, name: str, timeout: int = 10_000) -> tuple[Any, Any]:
    """A 360 px touch phone that joined through the join page as `name` and is live on the board."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(timeout)
    phone = context.new_page()
    phone.goto(f"{base}/beitreten/{code}")
    phone.fill("#f-display_name", name)
    phone.get_by_role("button", name="Mitmachen").click()
    phone.wait_for_selector(ONLINE)
    return context, phone


def projector_beside(coach_context: Any, base: str, workshop_id: str) -> Any:
    """The projector (1920×1080) opened by the coach in a second tab, live."""
    projector = coach_context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{base}/w/{workshop_id}/beamer")
    projector.wait_for_selector(ONLINE)
    return projector
