"""Workshops (Werkstätten) of a town, their agenda steps as rows, and the people taking part."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from werkstatt.db import Base, JSONType


class WorkshopFormat(StrEnum):
    ideen_werkstatt = "ideen-werkstatt"
    werkstatt_gespraech = "werkstatt-gespraech"
    fokusgruppe = "fokusgruppe"
    erfahrungsaustausch = "erfahrungsaustausch"


FORMAT_LABELS = {
    WorkshopFormat.ideen_werkstatt: "Ideen-Werkstatt",
    WorkshopFormat.werkstatt_gespraech: "Werkstatt-Gespräch",
    WorkshopFormat.fokusgruppe: "Fokusgruppe",
    WorkshopFormat.erfahrungsaustausch: "Erfahrungsaustausch",
}


class WorkshopState(StrEnum):
    planned = "planned"
    live = "live"
    closed = "closed"


class ParticipantRole(StrEnum):
    guest = "guest"
    member = "member"  # Kernteam member or other account joining with their account
    coach = "coach"


class Workshop(Base):
    __tablename__ = "workshop"

    network_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True)
    town_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("town.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[WorkshopFormat] = mapped_column(String(30), default=WorkshopFormat.ideen_werkstatt)
    starts_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    place: Mapped[str] = mapped_column(String(200), default="")
    planned_minutes: Mapped[int] = mapped_column(Integer, default=120)
    expected_participants: Mapped[int | None] = mapped_column(Integer, default=None)
    focus_topic_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSONType, default=list)
    join_code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    state: Mapped[WorkshopState] = mapped_column(String(12), default=WorkshopState.planned)
    current_step: Mapped[int | None] = mapped_column(Integer, default=None)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # "idea:<id>" or "cluster:<id>": what every board and the projector highlight.
    spotlight: Mapped[str | None] = mapped_column(String(60), default=None)
    # The per-workshop event counter: incremented in the same transaction as the change it numbers.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The last card number given (werkstatt.board.service.post_idea): incremented with the card's INSERT.
    card_counter: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A load test's workshop (`werkstatt loadtest`): never counted on town pages, lists or "erprobt in N".
    is_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The projector's join box (code, address, QR) hidden by the coach once the room is in.
    join_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    steps: Mapped[list[AgendaStep]] = relationship(
        back_populates="workshop", order_by="AgendaStep.position", lazy="selectin", cascade="all, delete-orphan"
    )


class AgendaStep(Base):
    """One step of the agenda; `position` is its 0-based address (API.md)."""

    __tablename__ = "agenda_step"

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    method_slug: Mapped[str | None] = mapped_column(String(80), default=None)
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    mechanic: Mapped[str] = mapped_column(String(20), default="discuss")
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    instructions: Mapped[str] = mapped_column(Text, default="")  # what the participants read
    # The moderation's own notes: the coach's board and the run sheet only, never a guest's page, JSON or socket.
    facilitator_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    question: Mapped[str] = mapped_column(String(300), default="")
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The shared timer: every board counts down to the server's end time, not its own ticking.
    timer_ends_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    timer_remaining: Mapped[int | None] = mapped_column(Integer, default=None)  # seconds, while paused

    workshop: Mapped[Workshop] = relationship(back_populates="steps")


class Participant(Base):
    """Someone in a workshop: a guest (display name only), an account member, or the coach."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_participant_token_hash"),)

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )
    display_name: Mapped[str] = mapped_column(String(60))
    target_group: Mapped[str | None] = mapped_column(String(80), default=None)
    role: Mapped[ParticipantRole] = mapped_column(String(10), default=ParticipantRole.guest)
    token_hash: Mapped[str] = mapped_column(String(64))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when retention (or an erasure) replaced the display name by a pseudonym; such a row is done with.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
