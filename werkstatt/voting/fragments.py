"""Live rendering of voting events (called by werkstatt.board.fragments for types it does not know).

`vote_cast`/`vote_withdrawn` matter to the voter alone: their board fetches its panel again; everyone else
gets nothing but the seq. `tally_updated` swaps the counts in place for audiences that may see them; the
coach's board fetches its panel (tallies per target group). Must not import werkstatt.board.fragments."""

from __future__ import annotations

from typing import Any

from werkstatt.live.visibility import COACH, PROJECTOR, Viewer
from werkstatt.web import environment

TEMPLATE = "voting/_live.html"
TYPES = {"vote_cast", "vote_withdrawn", "tally_updated", "ranking_fixed", "project_idea_created"}


def _macro(locale: str, name: str) -> Any:
    return getattr(environment(locale).get_template(TEMPLATE).module, name)


def render_html(view: dict[str, Any], viewer: Viewer) -> str | None:
    kind = view.get("type")
    if kind not in TYPES:
        return None
    data = view.get("data") or {}
    if kind in {"vote_cast", "vote_withdrawn"}:
        own = viewer.participant_id is not None and (data.get("vote") or {}).get("author_id") == viewer.participant_id
        return str(_macro(viewer.locale, "panel_refresh")(viewer.workshop_id, viewer.role)) if own else ""
    if kind == "tally_updated":
        if viewer.role == COACH:
            return str(_macro(viewer.locale, "panel_refresh")(viewer.workshop_id, viewer.role))
        return str(_macro(viewer.locale, "tally")(data, viewer.workshop_id))
    if kind == "ranking_fixed":
        return str(_macro(viewer.locale, "panel_refresh")(viewer.workshop_id, viewer.role))
    if kind == "project_idea_created" and viewer.role not in {COACH, PROJECTOR}:
        return ""
    return ""
