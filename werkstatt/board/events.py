"""What happens on the live board, past tense, each with who may see it (`live.visibility`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkstatt.live.events import OPTIONAL, SPREAD, Event
from werkstatt.live.visibility import CARD, COMMENT, PRESENCE, REACTION, WHOLE

# --- cards --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaPosted(Event, type="idea_posted", visibility=CARD):
    idea: dict[str, Any]


@dataclass(frozen=True)
class IdeaEdited(Event, type="idea_edited", visibility=CARD):
    idea: dict[str, Any]


@dataclass(frozen=True)
class IdeaWithdrawn(Event, type="idea_withdrawn", visibility=CARD):
    idea: dict[str, Any]  # id and author only


@dataclass(frozen=True)
class CommentPosted(Event, type="comment_posted", visibility=COMMENT):
    comment: dict[str, Any]


@dataclass(frozen=True)
class ReactionChanged(Event, type="reaction_changed", visibility=REACTION):
    reaction: dict[str, Any]


# --- the coach's moderation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepStarted(Event, type="step_started", visibility=WHOLE):
    step: dict[str, Any] | None
    state: str


@dataclass(frozen=True)
class WorkshopClosed(Event, type="workshop_closed", visibility=WHOLE):
    state: str


@dataclass(frozen=True)
class TimerChanged(Event, type="timer_changed", visibility=WHOLE):
    timer: dict[str, Any]
    action: str


@dataclass(frozen=True)
class Revealed(Event, type="revealed", visibility=WHOLE):
    """A blind step's cards, or a vote's counts, shown to everyone (the counts travel with it)."""

    step: int
    counts: dict[str, Any] = field(default_factory=dict, metadata=SPREAD)


@dataclass(frozen=True)
class BoardLocked(Event, type="board_locked", visibility=WHOLE):
    locked: bool


@dataclass(frozen=True)
class BoardUnlocked(Event, type="board_unlocked", visibility=WHOLE):
    locked: bool


@dataclass(frozen=True)
class JoinBoxChanged(Event, type="join_box_changed", visibility=WHOLE):
    """The projector's join box (code, address, QR) hidden or shown again."""

    shown: bool


@dataclass(frozen=True)
class SpotlightChanged(Event, type="spotlight_changed", visibility=WHOLE):
    spotlight: str | None
    view: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class StepEdited(Event, type="step_edited", visibility=WHOLE):
    step: int
    title: str
    question: str
    instructions: str


@dataclass(frozen=True)
class ClusterCreated(Event, type="cluster_created", visibility=WHOLE):
    cluster: dict[str, Any]
    board: dict[str, Any]


@dataclass(frozen=True)
class ClusterRenamed(Event, type="cluster_renamed", visibility=WHOLE):
    cluster: dict[str, Any]


@dataclass(frozen=True)
class ClusterDeleted(Event, type="cluster_deleted", visibility=WHOLE):
    cluster: dict[str, Any]


@dataclass(frozen=True)
class IdeaMoved(Event, type="idea_moved", visibility=CARD):
    idea: dict[str, Any]  # id and clusters only


@dataclass(frozen=True)
class IdeasMerged(Event, type="ideas_merged", visibility=CARD):
    source: str
    target: str
    idea: dict[str, Any]
    board: dict[str, Any]


@dataclass(frozen=True)
class IdeaUnmerged(Event, type="idea_unmerged", visibility=CARD):
    """A merge undone: the merged card (`idea`) and the card back on the board (`source_idea`)."""

    source: str
    target: str
    idea: dict[str, Any]
    board: dict[str, Any]
    source_idea: dict[str, Any]


@dataclass(frozen=True)
class IdeaHidden(Event, type="idea_hidden", visibility=CARD):
    idea: dict[str, Any]
    board: dict[str, Any]


@dataclass(frozen=True)
class IdeaRestored(Event, type="idea_restored", visibility=CARD):
    idea: dict[str, Any]
    board: dict[str, Any]


@dataclass(frozen=True)
class ParticipantRemoved(Event, type="participant_removed", visibility=PRESENCE):
    participant: dict[str, Any]
