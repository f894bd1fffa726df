"""Who may do what on a board, one function per rule, so that handlers and pages ask instead of deciding by hand.

The organisation's permission table (`network.permissions`) decides who may run a workshop; that makes an `Actor` its
coach (`workshops.service.resolve_actor`). These rules build on it: the moderation steers, and the cards of a
clustering step may be sorted by everyone when the step says so and the board is not locked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkstatt.board.service import current_step
from werkstatt.errors import Forbidden, NotFound
from werkstatt.i18n import Message, _
from werkstatt.workshops.step_settings import cluster_settings

if TYPE_CHECKING:
    from werkstatt.workshops.service import Actor


def may_moderate(actor: Actor) -> bool:
    """The workshop's coach steers it: steps, timers, the projector, its result's project ideas."""
    return actor.is_coach


def may_cluster(actor: Actor) -> bool:
    """Sorting cards into clusters: the coach, or everyone in a step that lets all sort while the board is open."""
    if may_moderate(actor):
        return True
    step = current_step(actor.workshop)
    return step is not None and cluster_settings(step).who == "all" and not actor.workshop.locked


def require_moderation_page(actor: Actor) -> Actor:
    """A page only the moderation opens (the projector): for anyone else it does not exist."""
    if not may_moderate(actor):
        raise NotFound(_("Diese Seite gibt es nicht."))
    return actor


def require_moderator(actor: Actor, refusal: Message) -> Actor:
    """Something only the moderation does: anyone else is refused (403) with `refusal`, the command's own words."""
    if not may_moderate(actor):
        raise Forbidden(refusal)
    return actor
