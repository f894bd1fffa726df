"""Rendering events for the live board: HTML fragments that htmx swaps by id (out-of-band), or the JSON
event for API clients. Every HTML payload starts with `<!--seq:N-->` so the browser drops repeats."""

from __future__ import annotations

import json
from typing import Any

from werkstatt.board.push import BoardPush, changes_whole_board
from werkstatt.live.visibility import COACH, PROJECTOR, Viewer, sees, view_event
from werkstatt.web import environment

TEMPLATE = "board/_live.html"
PUSH = "board/_push.html"


def _macro(locale: str, name: str, template: str = TEMPLATE) -> Any:
    return getattr(environment(locale).get_template(template).module, name)


def render_event(event: dict[str, Any], viewer: Viewer, push: BoardPush | None = None) -> str | None:
    """The payload for one audience, or None when nothing of the event is theirs: the hub then sends nothing
    and only moves the socket's seq on (Connection.skip), so replays by `after=` stay exact.

    Whole boards (step change, reveal, close) come from `push`: read once per role and rendered once per
    audience by the worker. Should that read have failed, or the event come from the log (a replay), the
    board resyncs instead: a reconnecting client may fetch once; nothing live makes a browser fetch."""
    if not sees(event, viewer):
        return None
    view = view_event(event, viewer)
    for key in [key for key in view if key.startswith("_")]:  # what the worker prepared, never sent as such
        del view[key]
    if viewer.format == "json":
        view.pop("workshop_id", None)
        return json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    if changes_whole_board(event, viewer.role):
        body = push.render(event, viewer) if push is not None else None
        if body is None:
            return render_resync(viewer).replace("<!--seq:0-->", f"<!--seq:{view['seq']}-->", 1)
    else:
        body = render_html(view, viewer)
    if not body:
        return None
    return f"<!--seq:{view['seq']}-->{body}"


def render_html(view: dict[str, Any], viewer: Viewer) -> str | None:
    kind = view["type"]
    data = view.get("data") or {}
    role, locale = viewer.role, viewer.locale
    if kind == "revealed" and "tallies" in data:  # a vote's reveal: voting pushes the counts (no board fetch)
        return _extension_html(view, viewer)
    if kind in PUSHED:
        return str(_macro(locale, PUSHED[kind], PUSH)(data, viewer.workshop_id, role))
    if kind == "idea_posted":
        return str(_macro(locale, "idea_posted")(data["idea"], viewer.workshop_id, role))
    if kind == "idea_edited":
        if data["idea"].get("gone"):
            return str(_macro(locale, "idea_removed")(data["idea"]["id"]))
        return str(_macro(locale, "idea_replaced")(data["idea"], viewer.workshop_id, role))
    if kind == "idea_withdrawn":
        return str(_macro(locale, "idea_removed")(data["idea"]["id"]))
    if kind == "comment_posted":
        return str(_macro(locale, "comment_posted")(data["comment"])) if "comment" in data else None
    if kind == "reaction_changed":
        return str(_macro(locale, "reaction_count")(data["reaction"]))
    if kind in {"participant_joined", "participant_removed"}:
        if role != COACH:
            return None
        return str(_macro(locale, kind, PUSH)(data, viewer.workshop_id, role))
    return _extension_html(view, viewer)


# Moderation events and the macro of board/_push.html that renders each from the event's data alone.
PUSHED = {
    "timer_changed": "timer_changed",
    "spotlight_changed": "spotlight_changed",
    "board_locked": "lock_changed",
    "board_unlocked": "lock_changed",
    "join_box_changed": "join_box_changed",
    "step_edited": "step_edited",
    "idea_moved": "idea_moved",
    "cluster_created": "cluster_created",
    "cluster_renamed": "cluster_renamed",
    "cluster_deleted": "cluster_deleted",
    "ideas_merged": "ideas_merged",
    "idea_unmerged": "idea_unmerged",
    "idea_hidden": "idea_hidden",
    "idea_restored": "idea_restored",
}


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
