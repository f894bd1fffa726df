"""Rendering events for the live board: HTML fragments that htmx swaps by id (out-of-band), or the JSON
event for API clients. Every HTML payload starts with `<!--seq:N-->` so the browser drops repeats."""

from __future__ import annotations

import json
from typing import Any

from werkstatt.live.visibility import COACH, PROJECTOR, Viewer, sees, view_event
from werkstatt.web import environment

TEMPLATE = "board/_live.html"
# Moderation changes the board's shape: boards fetch their fragment again and morph it in place.
REFRESH_TYPES = {
    "step_started",
    "workshop_closed",
    "revealed",
    "board_locked",
    "board_unlocked",
    "step_edited",
    "timer_changed",
    "spotlight_changed",
    "cluster_created",
    "cluster_renamed",
    "cluster_deleted",
    "idea_moved",
    "ideas_merged",
    "idea_hidden",
    "idea_restored",
}
COACH_REFRESH_TYPES = {"participant_joined", "participant_removed"}


def _macro(locale: str, name: str) -> Any:
    return getattr(environment(locale).get_template(TEMPLATE).module, name)


def render_event(event: dict[str, Any], viewer: Viewer) -> str | None:
    """The payload for one audience, or None when nothing of the event is theirs: the hub then sends nothing
    and only moves the socket's seq on (Connection.skip), so replays by `after=` stay exact."""
    if not sees(event, viewer):
        return None
    view = view_event(event, viewer)
    if viewer.format == "json":
        view.pop("workshop_id", None)
        return json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    body = render_html(view, viewer)
    if not body:
        return None
    return f"<!--seq:{view['seq']}-->{body}"


def render_html(view: dict[str, Any], viewer: Viewer) -> str | None:
    kind = view["type"]
    data = view.get("data") or {}
    if kind == "revealed" and "tallies" in data:  # a vote's reveal: voting pushes the counts (no board fetch)
        return _extension_html(view, viewer)
    if kind in REFRESH_TYPES or (kind in COACH_REFRESH_TYPES and viewer.role == COACH):
        return str(_macro(viewer.locale, "refresh")(viewer.workshop_id, viewer.role))
    if kind == "idea_posted":
        return str(_macro(viewer.locale, "idea_posted")(data["idea"], viewer.workshop_id, viewer.role))
    if kind == "idea_edited":
        if data["idea"].get("gone"):
            return str(_macro(viewer.locale, "idea_removed")(data["idea"]["id"]))
        return str(_macro(viewer.locale, "idea_replaced")(data["idea"], viewer.workshop_id, viewer.role))
    if kind == "idea_withdrawn":
        return str(_macro(viewer.locale, "idea_removed")(data["idea"]["id"]))
    if kind == "comment_posted":
        return str(_macro(viewer.locale, "comment_posted")(data["comment"])) if "comment" in data else None
    if kind == "reaction_changed":
        return str(_macro(viewer.locale, "reaction_count")(data["reaction"]))
    return _extension_html(view, viewer)


def _extension_html(view: dict[str, Any], viewer: Viewer) -> str | None:
    """Other domains (voting) render their own event types: `werkstatt/<domain>/fragments.py` with a
    `render_html(view, viewer) -> str | None`."""
    for module in _EXTENSIONS:
        rendered = module.render_html(view, viewer)
        if rendered is not None:
            return str(rendered)
    return None


def _load_extensions() -> list[Any]:
    import importlib

    found = []
    for name in ("werkstatt.voting.fragments",):
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name not in {name, name.rsplit(".", 1)[0]}:
                raise
    return found


_EXTENSIONS = _load_extensions()


def render_presence(summary: dict[str, Any], viewer: Viewer) -> str | None:
    if viewer.role == PROJECTOR:  # the projected board shows no presence (it has no #presence to swap into)
        return None
    if viewer.format == "json":
        data = summary if viewer.role == COACH else {"connected": summary["connected"]}
        return json.dumps({"type": "presence", "data": data}, separators=(",", ":"))
    return str(_macro(viewer.locale, "presence")(summary, viewer.role))


def render_resync(viewer: Viewer) -> str:
    if viewer.format == "json":
        return json.dumps({"type": "resync"})
    return "<!--seq:0-->" + str(_macro(viewer.locale, "refresh")(viewer.workshop_id, viewer.role))
