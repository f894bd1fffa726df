"""Who may do what in a workshop, one function per rule, so that handlers, commands and pages ask instead of deciding
by hand.

The organisation's permission table (`network.permissions`, with its town scope) decides who may run a workshop;
that makes an `Actor` the workshop's coach (`service.resolve_actor`). The rules here build on it; the board adds its
own (`board.permissions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkstatt.errors import Forbidden, NotFound
from werkstatt.i18n import Message, _

if TYPE_CHECKING:
    from werkstatt.workshops.service import Actor


def may_moderate(actor: Actor) -> bool:
    """The workshop's coach steers it: steps, timers, the projector, its result's project ideas."""
    return actor.is_coach


def require_moderator(actor: Actor, refusal: Message) -> Actor:
    """Something only the moderation does: anyone else is refused (403) with `refusal`, the command's own words."""
    if not may_moderate(actor):
        raise Forbidden(refusal)
    return actor


def require_moderation_page(actor: Actor) -> Actor:
    """A page only the moderation opens (the projector): for anyone else it does not exist."""
    if not may_moderate(actor):
        raise NotFound(_("Diese Seite gibt es nicht."))
    return actor
