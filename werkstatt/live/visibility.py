"""The audiences of the live hub and the rules of what each may see of an event.

Who a socket or request is (format, role, locale, participant), which sockets receive the same bytes, and the
typed `Visibility` rule every event class names (`live.events.Event`). The generic rules live here; the rules
that know a domain's payload live with it (the board's cards in werkstatt/board/visibility.py, tallies and
rankings in werkstatt/voting/visibility.py). Secrets (another person's blind card, an anonymous author, who
joined) are taken out before anything is rendered or sent."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from werkstatt.live.events import visibility_of

COACH = "coach"
PARTICIPANT = "participant"
PROJECTOR = "projector"


@dataclass(frozen=True)
class Viewer:
    """A socket's or request's audience: format (html/json), role, locale, and the participant it is."""

    workshop_id: str
    role: str
    participant_id: str | None
    locale: str = "de"
    format: str = "html"


def author_of(event: dict[str, Any]) -> str | None:
    """Whose event it is: the `author_id` of the item it carries (a card, comment, reaction or vote)."""
    data = event.get("data") or {}
    for key in ("idea", "comment", "reaction", "vote"):
        item = data.get(key)
        if isinstance(item, dict) and item.get("author_id"):
            return str(item["author_id"])
    return None


class Visibility:
    """What each audience sees of one kind of event: every event class names one (`live.events.Event`).

    The default is the whole event for everyone; the rules below (and the domains' own) narrow it."""

    def sees(self, data: dict[str, Any], viewer: Viewer, author: str | None) -> bool:
        """False when nothing of the event is this viewer's: it is then not sent to them at all, in no format;
        the viewer's seq jumps over it, and replays skip it the same way."""
        return True

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        """A copy of `data` with everything this viewer may not see taken out."""
        return copy.deepcopy(data)


class Whole(Visibility):
    """Everyone sees it whole (a step started, a timer, a cluster's name)."""


class Personal(Visibility):
    """One person's own business (their vote: the card and their remaining dots): theirs and the coach's; no
    one else receives it at all."""

    def sees(self, data: dict[str, Any], viewer: Viewer, author: str | None) -> bool:
        own = viewer.participant_id is not None and author == viewer.participant_id
        return own or viewer.role == COACH


class Presence(Visibility):
    """Who joined or left: the coach sees the person, everyone else only that someone did."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        if viewer.role == COACH:
            return copy.deepcopy(data)
        participant = data.get("participant") or {}
        return {"participant": {"id": participant.get("id")}}


WHOLE = Whole()
PERSONAL = Personal()
PRESENCE = Presence()


def sees(event: dict[str, Any], viewer: Viewer) -> bool:
    """False when nothing of the event is this viewer's to see (its rule says so, or no event class defines its
    type): it is then not sent to them at all, in no format. The viewer's seq jumps over it."""
    rule = visibility_of(str(event.get("type")))
    return rule is not None and rule.sees(event.get("data") or {}, viewer, author_of(event))


def view_event(event: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A copy of `event` with everything this viewer may not see removed (by the rule of its event class)."""
    rule = visibility_of(str(event.get("type")))
    out = dict(event)
    out["data"] = rule.view(event.get("data") or {}, viewer) if rule is not None else {}
    return out


def audience_key(event: dict[str, Any], viewer: Viewer) -> tuple[str, str, str, bool]:
    """Sockets with the same key receive the same bytes: rendered once per key."""
    own = viewer.participant_id is not None and author_of(event) == viewer.participant_id
    return (viewer.format, viewer.role, viewer.locale, own)
