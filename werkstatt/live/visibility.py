"""What one audience may see of an event. Secrets (another person's blind card, an anonymous author, who
joined) are taken out before anything is rendered or sent."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from werkstatt.board import rules

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


def _author_of(event: dict[str, Any]) -> str | None:
    data = event.get("data") or {}
    for key in ("idea", "comment", "reaction", "vote"):
        item = data.get(key)
        if isinstance(item, dict) and item.get("author_id"):
            return str(item["author_id"])
    return None


COACH_ONLY_TALLY = ("by_group", "group_names", "regrouped")  # who voted for what, by target group
# per card: nothing of it while the step's tallies are hidden (nor which cards changed)
SECRET_TALLY = ("tallies", "positions", "labels", "changed")


class Visibility:
    """What each audience sees of one kind of event: every event class names one (`live.events.Event`).

    The default is the whole event for everyone; the rules below narrow it."""

    def sees(self, data: dict[str, Any], viewer: Viewer, author: str | None) -> bool:
        """False when nothing of the event is this viewer's: it is then not sent to them at all, in no format;
        the viewer's seq jumps over it, and replays skip it the same way."""
        return True

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        """A copy of `data` with everything this viewer may not see taken out."""
        return copy.deepcopy(data)


class Whole(Visibility):
    """Everyone sees it whole (a step started, a timer, a cluster's name)."""


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


class Personal(Visibility):
    """One person's own business (their vote: the card and their remaining dots): theirs and the coach's; no
    one else receives it at all."""

    def sees(self, data: dict[str, Any], viewer: Viewer, author: str | None) -> bool:
        own = viewer.participant_id is not None and author == viewer.participant_id
        return own or viewer.role == COACH


class Tally(Visibility):
    """Counts for the coach come with counts per target group (and, while the step hides them, the counts):
    none of it reaches other audiences."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        voting = _voting_view("tally_updated", data, viewer)
        return voting if voting is not None else copy.deepcopy(data)


class Ranking(Visibility):
    """A fixed ranking: the coach's view, and the public one (votes hidden with the tallies) for everyone else."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        voting = _voting_view("ranking_fixed", data, viewer)
        return voting if voting is not None else copy.deepcopy(data)


class Presence(Visibility):
    """Who joined or left: the coach sees the person, everyone else only that someone did."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        if viewer.role == COACH:
            return copy.deepcopy(data)
        participant = data.get("participant") or {}
        return {"participant": {"id": participant.get("id")}}


WHOLE = Whole()
CARD = Card()
COMMENT = OnCard("comment")
REACTION = OnCard("reaction")
PERSONAL = Personal()
TALLY = Tally()
RANKING = Ranking()
PRESENCE = Presence()


def _rule(event: dict[str, Any]) -> Visibility | None:
    from werkstatt.live.events import visibility_of  # events name their rule; the registry lives there

    return visibility_of(str(event.get("type")))


def sees(event: dict[str, Any], viewer: Viewer) -> bool:
    """False when nothing of the event is this viewer's to see (its rule says so, or no event class defines its
    type): it is then not sent to them at all, in no format. The viewer's seq jumps over it."""
    rule = _rule(event)
    return rule is not None and rule.sees(event.get("data") or {}, viewer, _author_of(event))


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


def audience_key(event: dict[str, Any], viewer: Viewer) -> tuple[str, str, str, bool]:
    """Sockets with the same key receive the same bytes: rendered once per key."""
    own = viewer.participant_id is not None and _author_of(event) == viewer.participant_id
    return (viewer.format, viewer.role, viewer.locale, own)


def redact_idea(idea: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
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


def view_event(event: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A copy of `event` with everything this viewer may not see removed (by the rule of its event class)."""
    rule = _rule(event)
    out = dict(event)
    out["data"] = rule.view(event.get("data") or {}, viewer) if rule is not None else {}
    return out
