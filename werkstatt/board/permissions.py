"""The board's own permission rules, on top of the workshop's (`workshops.permissions`): handlers and pages ask
these instead of deciding by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkstatt.board import rules
from werkstatt.board.service import current_step
from werkstatt.live.visibility import COACH, PARTICIPANT
from werkstatt.workshops.models import WorkshopState
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.step_settings import cluster_settings, collect_settings

if TYPE_CHECKING:
    from werkstatt.workshops.models import Workshop
    from werkstatt.workshops.service import Actor


def may_cluster(actor: Actor) -> bool:
    """Sorting cards into clusters: the coach, or everyone in a step that lets all sort while the board is open."""
    return may_moderate(actor) or _all_may_cluster(actor.workshop)


def _all_may_cluster(workshop: Workshop) -> bool:
    step = current_step(workshop)
    return step is not None and cluster_settings(step).who == "all" and not workshop.locked


@dataclass(frozen=True)
class BoardPermissions:
    """What one audience's board offers, decided once here (page, fragments and pushed boards alike) so that the
    templates only ask: `permissions.moderate`, `permissions.may_change(card)` …"""

    moderate: bool  # the coach's controls, notes and dialogs (never on the projector)
    cluster: bool  # sort cards into clusters
    post: bool  # the collect step's card form
    vote: bool  # dots, ratings: participants of a live workshop
    change_any: bool  # edit or withdraw any card (the coach, while changes are open)
    change_own: bool  # edit or withdraw one's own cards (participants, while changes are open)
    react: bool = True  # reactions and comments on cards (not on the projector, not once the workshop is closed)

    @property
    def changes(self) -> bool:
        """The card's "Bearbeiten …" / "Zurückziehen …" are offered at all (to the owner only, unless any)."""
        return self.change_any or self.change_own

    def may_change(self, card: Mapping[str, Any]) -> bool:
        return self.change_any or (self.change_own and bool(card.get("own")))


def board_permissions(workshop: Workshop, role: str) -> BoardPermissions:
    """The permissions of an audience (coach, participant, projector) on the workshop's board as it is now."""
    coach, participant = role == COACH, role == PARTICIPANT
    live = workshop.state == WorkshopState.live
    step = current_step(workshop)
    collecting = live and step is not None and step.mechanic == "collect"
    open_ = rules.changes_open(workshop)
    return BoardPermissions(
        moderate=coach,
        cluster=coach or (participant and _all_may_cluster(workshop)),
        post=collecting and step is not None and (coach or (participant and not collect_settings(step).coach_only)),
        vote=live and participant,
        change_any=coach and open_,
        change_own=participant and open_,
        react=(coach or participant) and live,
    )
