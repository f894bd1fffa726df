"""The audiences of the live hub: who a socket or request is (format, role, locale, participant), and which
sockets receive the same bytes. What an audience may see of the board's events is the board's business
(werkstatt/board/visibility.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def audience_key(event: dict[str, Any], viewer: Viewer) -> tuple[str, str, str, bool]:
    """Sockets with the same key receive the same bytes: rendered once per key."""
    own = viewer.participant_id is not None and author_of(event) == viewer.participant_id
    return (viewer.format, viewer.role, viewer.locale, own)
