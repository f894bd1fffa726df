"""Typed events: each class names its wire type and its visibility rule; nothing else can be recorded, and the
wire format `{seq, type, at, data}` is the one API.md describes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.voting.conftest import workshop
from werkstatt.board.events import IdeaPosted, SpotlightChanged
from werkstatt.live.events import EVENT_TYPES, Event, event_dict, record
from werkstatt.live.visibility import COACH, PARTICIPANT, Viewer, Visibility, sees, view_event
from werkstatt.voting.events import VoteCast

__all__ = ["workshop"]

WORKSHOP = "01900000-0000-7000-8000-000000000000"


def viewer(role: str, participant: str | None = None) -> Viewer:
    return Viewer(WORKSHOP, role, participant)


def test_every_event_type_has_one_class_with_a_rule() -> None:
    assert len(EVENT_TYPES) >= 26
    for name, cls in EVENT_TYPES.items():
        assert cls.type == name
        assert isinstance(cls.visibility, Visibility), name
        assert cls.__dataclass_params__.frozen, name  # type: ignore[attr-defined]


def test_an_event_without_a_rule_cannot_be_defined() -> None:
    with pytest.raises(TypeError, match="visibility rule"):

        @dataclass(frozen=True)
        class Unruled(Event, type="unruled"):  # type: ignore[call-arg]
            what: str


def test_an_event_type_no_class_defines_is_shown_to_nobody() -> None:
    stray = {"seq": 1, "type": "stray", "data": {"secret": "x"}}
    assert not sees(stray, viewer(COACH))
    assert view_event(stray, viewer(COACH))["data"] == {}


def test_a_vote_reaches_its_voter_and_the_coach_only() -> None:
    voter, other = "01900000-0000-7000-8000-00000000000a", "01900000-0000-7000-8000-00000000000b"
    cast = VoteCast({"id": "v", "author_id": voter, "step": 1, "idea_id": "i"})
    shaped = {"seq": 3, "type": cast.type, "data": cast.data()}
    assert sees(shaped, viewer(PARTICIPANT, voter))
    assert sees(shaped, viewer(COACH))
    assert not sees(shaped, viewer(PARTICIPANT, other))


def test_optional_fields_are_left_out_of_the_data() -> None:
    assert SpotlightChanged(None).data() == {"spotlight": None}
    assert SpotlightChanged("idea:1", {"kind": "idea"}).data() == {"spotlight": "idea:1", "view": {"kind": "idea"}}


async def test_a_recorded_event_keeps_the_wire_format(db: AsyncSession, workshop: Any) -> None:
    idea = {"id": "c", "text": "Mehr Bänke", "author_id": None, "anonymous": False}
    row = await record(db, UUID(workshop.id), IdeaPosted(idea))
    await db.commit()
    wire = event_dict(row)
    assert list(wire) == ["workshop_id", "seq", "type", "at", "data"]
    assert (wire["type"], wire["data"]) == ("idea_posted", {"idea": idea})
