"""What an audience may see of the board's cards and of what is on them (comments, reactions): the rules the
board's events name (`board.events`), and the card's redaction that boards, the API and exports share."""

from __future__ import annotations

import copy
from typing import Any

from werkstatt.board import rules
from werkstatt.live.visibility import COACH, Viewer, Visibility


def redact_idea(idea: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """The card as this viewer's board may show it (the card rules' `seen_as`)."""
    own = viewer.participant_id is not None and idea.get("author_id") == viewer.participant_id
    seen = rules.seen_as(idea, coach=viewer.role == COACH, own=own)
    if seen == rules.GONE:
        return {"id": idea["id"], "hidden": True, "text": None, "gone": True}
    if seen == rules.BLIND:
        return {
            "id": idea["id"],
            "blind": True,
            "step": idea.get("step"),
            "withdrawn": idea.get("withdrawn", False),
            "text": None,
            "author_id": None,
            "author_name": None,
            "focus_topic": None,
            "focus_topic_id": None,
            "anonymous": idea.get("anonymous", False),
            "edited": False,
            "created_at": idea.get("created_at"),
        }
    view = dict(idea)
    view["own"] = own
    if idea.get("anonymous") and not own:
        view.update(author_id=None, author_name=None, author_target_group=None)
    if viewer.role != COACH and not own:
        view.pop("author_target_group", None)
    if viewer.role != COACH:
        view.pop("hidden_reason", None)
    return view


class Card(Visibility):
    """Carries a card (`idea`): each audience gets it as its board may show it (a blind card's text, an
    anonymous author, a hidden card's reason are taken out)."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        idea = data.get("idea")
        if isinstance(idea, dict) and "text" in idea:
            view = {**data, "idea": redact_idea(idea, viewer)}
            if isinstance(data.get("source_idea"), dict):  # an undone merge: the card back on the board
                view["source_idea"] = redact_idea(data["source_idea"], viewer)
            return view
        return copy.deepcopy(data)


class OnCard(Visibility):
    """Something on a card (`comment`, `reaction`): who cannot see the card gets the seq and nothing else."""

    def __init__(self, key: str) -> None:
        self.key = key

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        item = dict(data[self.key])
        idea_author = item.pop("idea_author_id", None)
        if item.pop("idea_private", False) and viewer.role != COACH and viewer.participant_id != idea_author:
            return {}
        return {**data, self.key: item}


CARD = Card()
COMMENT = OnCard("comment")
REACTION = OnCard("reaction")
