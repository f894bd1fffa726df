"""The board's permissions object (`board/permissions.py`): what each audience's board offers, decided once for
page and pushed boards alike (the templates only ask it)."""

from __future__ import annotations

import pytest

from werkstatt.board.permissions import board_permissions
from werkstatt.live.visibility import COACH, PARTICIPANT, PROJECTOR
from werkstatt.workshops.models import AgendaStep, Workshop, WorkshopState


def _workshop(state: WorkshopState, mechanic: str = "collect", **config: object) -> Workshop:
    step = AgendaStep(position=0, title="Sammeln", minutes=10, mechanic=mechanic, config=dict(config))
    return Workshop(title="Markt", state=state, current_step=0, locked=False, steps=[step])


def test_the_coach_moderates_and_may_change_any_card_while_the_workshop_runs() -> None:
    permissions = board_permissions(_workshop(WorkshopState.live), COACH)
    assert (permissions.moderate, permissions.change_any, permissions.vote, permissions.post) == (
        True,
        True,
        False,
        True,
    )


def test_a_participant_may_change_only_own_cards() -> None:
    permissions = board_permissions(_workshop(WorkshopState.live), PARTICIPANT)
    assert (permissions.may_change({"own": True}), permissions.may_change({"own": False})) == (True, False)


@pytest.mark.parametrize("role", [COACH, PARTICIPANT])
def test_nobody_may_change_a_card_of_a_closed_workshop(role: str) -> None:
    permissions = board_permissions(_workshop(WorkshopState.closed), role)
    assert (permissions.changes, permissions.may_change({"own": True})) == (False, False)


def test_the_projector_moderates_nothing_and_votes_nothing() -> None:
    permissions = board_permissions(_workshop(WorkshopState.live, "vote"), PROJECTOR)
    assert (permissions.moderate, permissions.vote, permissions.changes, permissions.cluster) == (
        False,
        False,
        False,
        False,
    )


def test_participants_vote_only_while_the_workshop_is_live() -> None:
    live = board_permissions(_workshop(WorkshopState.live, "vote"), PARTICIPANT)
    closed = board_permissions(_workshop(WorkshopState.closed, "vote"), PARTICIPANT)
    assert (live.vote, closed.vote) == (True, False)


def test_a_coach_only_collect_step_gives_participants_no_card_form() -> None:
    workshop = _workshop(WorkshopState.live, coach_only=True)
    assert (board_permissions(workshop, COACH).post, board_permissions(workshop, PARTICIPANT).post) == (True, False)


def test_participants_sort_into_clusters_when_the_step_lets_all_sort() -> None:
    workshop = _workshop(WorkshopState.live, "cluster", who="all")
    assert board_permissions(workshop, PARTICIPANT).cluster is True
