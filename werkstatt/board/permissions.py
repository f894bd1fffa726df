"""The board's own permission rules, on top of the workshop's (`workshops.permissions`): handlers and pages ask
these instead of deciding by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkstatt.board.service import current_step
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.step_settings import cluster_settings

if TYPE_CHECKING:
    from werkstatt.workshops.service import Actor


def may_cluster(actor: Actor) -> bool:
    """Sorting cards into clusters: the coach, or everyone in a step that lets all sort while the board is open."""
    if may_moderate(actor):
        return True
    step = current_step(actor.workshop)
    return step is not None and cluster_settings(step).who == "all" and not actor.workshop.locked
