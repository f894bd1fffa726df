"""What one audience may see of an event. Secrets (another person's blind card, an anonymous author, who
joined) are taken out before anything is rendered or sent."""

from __future__ import annotations

import copy
from typing import Any

from werkstatt.live.visibility import COACH, Viewer, author_of

PERSONAL_TYPES = {"vote_cast", "vote_withdrawn"}  # one person's own business: theirs and the coach's
COACH_ONLY_TALLY = ("by_group", "group_names")  # who voted for what, by target group
SECRET_TALLY = ("tallies", "positions", "labels")  # per card: nothing of it while the step's tallies are hidden


def sees(event: dict[str, Any], viewer: Viewer) -> bool:
    """False when nothing of the event is this viewer's to see: it is then not sent to them at all, in no
    format (another person's vote, whose data holds the card and the voter's remaining dots). The viewer's
    seq jumps over it; replays skip it the same way."""
    if event.get("type") in PERSONAL_TYPES:
        own = viewer.participant_id is not None and author_of(event) == viewer.participant_id
        return own or viewer.role == COACH
    return True


def _voting_view(kind: str, data: dict[str, Any], viewer: Viewer) -> dict[str, Any] | None:
    """Tallies for the coach come with counts per target group (and, in a hidden step, the counts): none of it
    reaches other audiences. A fixed ranking comes as the coach's and the public view."""
    if viewer.role == COACH:
        if kind == "ranking_fixed":
            return {key: value for key, value in data.items() if key != "public"}
        return None
    if kind == "tally_updated":
        drop = COACH_ONLY_TALLY + (SECRET_TALLY if data.get("hidden") else ())
        return {key: copy.deepcopy(value) for key, value in data.items() if key not in drop}
    if kind == "ranking_fixed" and "public" in data:
        public = copy.deepcopy(data["public"])
        shown = {row[0] for row in public}
        return {"order": [i for i in data.get("order") or [] if i in shown], "ranking": public}
    return None


def redact_idea(idea: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    own = viewer.participant_id is not None and idea.get("author_id") == viewer.participant_id
    if idea.get("hidden") and viewer.role != COACH:
        return {"id": idea["id"], "hidden": True, "text": None, "gone": True}
    if idea.get("blind") and not own and viewer.role != COACH:
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


def view_event(event: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A copy of `event` with everything this viewer may not see removed."""
    data = event.get("data") or {}
    out = dict(event)
    if "idea" in data and isinstance(data["idea"], dict) and "text" in data["idea"]:
        out["data"] = {**data, "idea": redact_idea(data["idea"], viewer)}
    elif "comment" in data or "reaction" in data:
        item_key = "comment" if "comment" in data else "reaction"
        item = dict(data[item_key])
        idea_author = item.pop("idea_author_id", None)
        if item.pop("idea_private", False) and viewer.role != COACH and viewer.participant_id != idea_author:
            out["data"] = {}  # a comment on a card this viewer cannot see: the seq moves on, nothing else
        else:
            out["data"] = {**data, item_key: item}
    elif event.get("type") in {"tally_updated", "ranking_fixed"}:
        voting = _voting_view(str(event["type"]), data, viewer)
        out["data"] = voting if voting is not None else copy.deepcopy(data)
    elif event.get("type") in {"participant_joined", "participant_removed"} and viewer.role != COACH:
        participant = data.get("participant") or {}
        out["data"] = {"participant": {"id": participant.get("id")}}
    else:
        out["data"] = copy.deepcopy(data)
    return out
