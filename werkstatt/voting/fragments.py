"""Live rendering of voting events (called by werkstatt.board.fragments for types it does not know), from the
event's data alone: no database access, rendered once per audience, never a fetch by the client.

- `vote_cast`/`vote_withdrawn` reach only the voter and the coach (werkstatt.live.visibility.sees). The voter's
  other devices get their remaining dots and their + / − on the cards they hold dots on; the device that voted
  has the same state from its own answer (swapped by id, so nothing doubles). The coach's board gets nothing:
  the coalesced tally tells it.
- `tally_updated`: the totals and, where the audience may see them, each card's count in place; the coach's
  per-target-group chips; in a matrix step the figure, drawn once per audience.
- `revealed` (of a vote or matrix step): the counts for everyone, and the "hidden" notes go.
- `ranking_fixed`: each card's rank and badges in place, and the new order for board.js to apply.
Returns "" for an event of this domain with nothing for the audience (the hub then sends nothing).
Must not import werkstatt.board.fragments."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from werkstatt.live.visibility import COACH, PROJECTOR, Viewer
from werkstatt.voting.board import QUADRANTS, matrix_legend
from werkstatt.voting.matrix import matrix_svg
from werkstatt.web import environment

TEMPLATE = "voting/_live.html"
TYPES = {"vote_cast", "vote_withdrawn", "tally_updated", "ranking_fixed", "project_idea_created", "revealed"}


def _macro(locale: str, name: str) -> Any:
    return getattr(environment(locale).get_template(TEMPLATE).module, name)


def _svg(data: dict[str, Any]) -> Markup | None:
    """The matrix figure from the event's positions and card labels, if this audience got the positions."""
    if data.get("mechanic") != "rate_matrix" or "positions" not in data or "axes" not in data:
        return None
    labels = data.get("labels") or {}
    points = []
    for idea_id, (x, y, _n) in data["positions"].items():
        label = labels.get(idea_id)
        if label is not None:
            points.append({"label": str(label[0]), "title": label[1], "x": x, "y": y})
    x_label, y_label, scale = data["axes"]
    return matrix_svg(points, x_label, y_label, int(scale), QUADRANTS)


def _legend(data: dict[str, Any], viewer: Viewer) -> str:
    """The projector's matrix legend, after the figure: the rated cards with their numbers and (the start of)
    their texts, from the event's labels. Nothing when the audience got no positions (hidden) or the labels
    were trimmed: the legend then stays as it is."""
    if viewer.role != PROJECTOR or data.get("mechanic") != "rate_matrix" or not data.get("labels"):
        return ""
    labels = data["labels"]
    cards = [(idea_id, label[0], str(label[1])) for idea_id, label in labels.items()]
    rows, more = matrix_legend(cards, set(data.get("positions") or {}) & set(labels))
    return str(_macro(viewer.locale, "matrix_legend")(rows, more, oob=True))


def _colours(by_group: dict[str, dict[str, int]]) -> dict[str, int]:
    """One colour per target group across all cards, as the panel has it (werkstatt.voting.board)."""
    slugs = sorted({slug for groups in by_group.values() for slug in groups})
    return {slug: index % 4 for index, slug in enumerate(slugs)}


def render_html(view: dict[str, Any], viewer: Viewer) -> str | None:
    rendered = _render(view, viewer)
    return rendered.strip() if rendered is not None else None  # only whitespace: nothing to send


def _render(view: dict[str, Any], viewer: Viewer) -> str | None:
    kind = view.get("type")
    if kind not in TYPES:
        return None
    data = view.get("data") or {}
    if kind in {"vote_cast", "vote_withdrawn"}:
        vote = data.get("vote") or {}
        own = viewer.participant_id is not None and vote.get("author_id") == viewer.participant_id
        if not own or "mine" not in vote:  # the coach learns from the tally; a rating changes no dots
            return ""
        return str(_macro(viewer.locale, "own_dots")(vote, viewer.workshop_id))
    if kind == "tally_updated":
        colours = _colours(data["by_group"]) if viewer.role == COACH and "by_group" in data else {}
        return str(_macro(viewer.locale, "tally")(data, _svg(data), colours)) + _legend(data, viewer)
    if kind == "revealed":
        if "tallies" not in data:  # a blind collect step: the board's business
            return None
        return str(_macro(viewer.locale, "revealed")(data, _svg(data)))
    if kind == "ranking_fixed":
        if not data.get("ranking"):  # an event recorded before rankings travelled with it
            return ""
        order = " ".join(str(row[0]) for row in data.get("ranking") or [])
        return str(_macro(viewer.locale, "ranking")(data, order))
    return ""
