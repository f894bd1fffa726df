"""The card rules, in one place: which cards are on the board, which one actor may see, which may be voted
on and which count in results.

Board queries, moderation, voting, ranking, results, every export and the hub's redaction ask here instead
of spelling the rule out again.

- **gone**: withdrawn by its author (or the coach), or merged into another card. Nobody's board shows it.
- **hidden** by the coach: only the coach's board shows it (marked, restorable).
- **blind**: a card of a blind collect step before the reveal: its author and the coach see its text, every
  other board only counts it.
- **on the board** (everyone's): neither gone nor hidden. Only these cards **count**: votes on them are
  tallied; results, ranking and exports list them.
- **votable**: on the board and visible to the voter. A vote on a card the voter may not see (another
  workshop's, unknown, someone else's blind card) is 404; on a card that is gone or hidden, a German 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import and_, or_, select

from werkstatt.board.models import Idea
from werkstatt.errors import Conflict, NotFound
from werkstatt.i18n import Message, _
from werkstatt.workshops.models import WorkshopState
from werkstatt.workshops.step_settings import blind_now

if TYPE_CHECKING:
    from sqlalchemy import Select

    from werkstatt.workshops.models import AgendaStep, Workshop

NOT_FOUND = _("Diese Karte gibt es nicht.")
MERGED = _("Diese Karte wurde mit einer anderen zusammengeführt; bitte dort abstimmen.")
HIDDEN = _("Diese Karte hat die Moderation ausgeblendet; auf ihr kann nicht abgestimmt werden.")
WITHDRAWN = _("Diese Karte wurde zurückgezogen; auf ihr kann nicht abgestimmt werden.")

# --- as SQL ------------------------------------------------------------------------------------------

IN_PLAY: tuple[Any, ...] = (Idea.withdrawn.is_(False), Idea.merged_into_id.is_(None))
"""Not gone: the coach's board shows these (hidden ones marked)."""
ON_THE_BOARD: tuple[Any, ...] = (*IN_PLAY, Idea.hidden.is_(False))
"""Everyone's board: neither gone nor hidden. Only these count in tallies, ranking, results and exports."""
COUNTED = ON_THE_BOARD


def board_cards(workshop_id: UUID, *, coach: bool) -> list[Any]:
    """Conditions for the cards of a workshop one board shows (blind ones of others still to be counted out)."""
    return [Idea.workshop_id == workshop_id, *(IN_PLAY if coach else ON_THE_BOARD)]


def counted_cards(workshop_id: UUID) -> list[Any]:
    """Conditions for the cards that count in results, ranking and exports."""
    return [Idea.workshop_id == workshop_id, *COUNTED]


def not_counted() -> Select[Any]:
    """Ids of cards whose dots no longer count (gone or hidden): their slots go back to the voter."""
    return select(Idea.id).where(or_(Idea.withdrawn.is_(True), Idea.hidden.is_(True), Idea.merged_into_id.is_not(None)))


def blind_positions(workshop: Workshop) -> list[int]:
    return [step.position for step in workshop.steps if blind_now(step)]


def blind_for(workshop: Workshop, *, coach: bool, participant_id: UUID | str | None) -> Any | None:
    """Others' cards of a blind step before the reveal (secret to this actor), or None when there are none."""
    if coach:
        return None
    positions = blind_positions(workshop)
    if not positions:
        return None
    me = UUID(str(participant_id)) if participant_id else None
    return and_(Idea.step_position.in_(positions), Idea.participant_id != me)


# --- for one card ------------------------------------------------------------------------------------


def step_of(workshop: Workshop, position: int | None) -> AgendaStep | None:
    return next((step for step in workshop.steps if step.position == position), None)


def is_blind(workshop: Workshop, idea: Idea) -> bool:
    return blind_now(step_of(workshop, idea.step_position))


def is_gone(idea: Idea) -> bool:
    return bool(idea.withdrawn or idea.merged_into_id)


def on_the_board(idea: Idea) -> bool:
    return not is_gone(idea) and not idea.hidden


def private(workshop: Workshop, idea: Idea) -> bool:
    """Not on everyone's board: hidden by the coach, or a blind step's card before the reveal."""
    return bool(idea.hidden) or is_blind(workshop, idea)


def _secret_to(workshop: Workshop, idea: Idea, *, coach: bool, participant_id: UUID | str | None) -> bool:
    own = participant_id is not None and str(idea.participant_id) == str(participant_id)
    return not coach and not own and is_blind(workshop, idea)


def may_see(workshop: Workshop, idea: Idea | None, *, coach: bool, participant_id: UUID | str | None) -> bool:
    """The card is on this actor's board with its text (a hidden card: for the coach only, even for its author)."""
    if idea is None or idea.workshop_id != workshop.id or is_gone(idea):
        return False
    if idea.hidden and not coach:
        return False
    return not _secret_to(workshop, idea, coach=coach, participant_id=participant_id)


def visible(workshop: Workshop, idea: Idea | None, *, coach: bool, participant_id: UUID | str | None) -> Idea:
    """The card, if this actor may see it (to comment, react, sort, spotlight); else 404."""
    if idea is None or not may_see(workshop, idea, coach=coach, participant_id=participant_id):
        raise NotFound(NOT_FOUND)
    return idea


def vote_refusal(idea: Idea) -> Message | None:
    """Why a card that exists takes no votes (the German 409's text), or None when it does."""
    if idea.merged_into_id:
        return MERGED
    if idea.withdrawn:
        return WITHDRAWN
    if idea.hidden:
        return HIDDEN
    return None


def votable(workshop: Workshop, idea: Idea | None, *, coach: bool, participant_id: UUID | str | None) -> Idea:
    """The card, if this voter may put a dot or a rating on it: 404 for a card they may not see at all,
    409 for one that left the board (merged, withdrawn or hidden)."""
    if idea is None or idea.workshop_id != workshop.id:
        raise NotFound(NOT_FOUND)
    if _secret_to(workshop, idea, coach=coach, participant_id=participant_id):
        raise NotFound(NOT_FOUND)
    refusal = vote_refusal(idea)
    if refusal is not None:
        raise Conflict(refusal, {"idea_id": refusal})
    return idea


# --- for a card as an event carries it (the hub's redaction) ----------------------------------------

WHOLE, BLIND, GONE = "whole", "blind", "gone"


def seen_as(view: dict[str, Any], *, coach: bool, own: bool) -> str:
    """How one audience sees a card view (`idea_view`): whole, as a blind placeholder, or gone."""
    if view.get("hidden") and not coach:
        return GONE
    if view.get("blind") and not own and not coach:
        return BLIND
    return WHOLE


def changes_open(workshop: Workshop) -> bool:
    """Cards can still be edited or withdrawn: not once the workshop is closed (its board is its record)."""
    return workshop.state != WorkshopState.closed


def may_change(workshop: Workshop, idea: Idea, *, coach: bool, participant_id: UUID | str | None) -> bool:
    """Edit or withdraw this card: the coach any card, a participant their own, while changes are open."""
    own = participant_id is not None and str(idea.participant_id) == str(participant_id)
    return changes_open(workshop) and (coach or own)
