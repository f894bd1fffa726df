"""The idea board: cards (Ideen), comments ("weiterdenken") and reactions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base

IDEA_MAX = 1000
CLUSTER_NAME_MAX = 80
COMMENT_MAX = 500
REACTIONS = ("zustimmung", "idee", "frage")


class Cluster(Base):
    """A named group of cards, made by the coach (or everyone, per step) while clustering."""

    __tablename__ = "cluster"

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(CLUSTER_NAME_MAX))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Idea(Base):
    __tablename__ = "idea"
    __table_args__ = (UniqueConstraint("workshop_id", "number", name="uq_idea_number"),)

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    step_position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(IDEA_MAX))
    focus_topic_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("focus_topic.id", ondelete="SET NULL"), default=None
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    cluster_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("cluster.id", ondelete="SET NULL"), index=True, default=None
    )
    # Hidden by the coach (with a reason only the coach sees); restorable.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")
    # The card's number in its workshop, given when it is posted (gaps allowed): the same on every screen.
    number: Mapped[int | None] = mapped_column(Integer, default=None)
    # A duplicate merged into another card: it leaves the board, its comments move to the target.
    merged_into_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("idea.id", ondelete="SET NULL"), index=True, default=None
    )


class StepClusterCard(Base):
    """A card of a cluster as a step that runs on clusters fixed it when it started: what the room votes on,
    ranks or rates stays the same when cards are moved or merged later (werkstatt.board.step_cards)."""

    __tablename__ = "step_cluster_card"
    __table_args__ = (UniqueConstraint("workshop_id", "step_position", "idea_id", name="uq_step_cluster_card"),)

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    step_position: Mapped[int] = mapped_column(Integer)
    cluster_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("idea.id", ondelete="CASCADE"), index=True)


class Comment(Base):
    __tablename__ = "idea_comment"

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(COMMENT_MAX))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where it was written when a merge moved it to the surviving card (undoing the merge moves it back).
    merged_from_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("idea.id", ondelete="SET NULL"), index=True, default=None
    )


class Reaction(Base):
    __tablename__ = "idea_reaction"
    __table_args__ = (UniqueConstraint("idea_id", "participant_id", "kind", name="uq_idea_reaction_once"),)

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Where it was given when a merge moved it to the surviving card (undoing the merge moves it back).
    merged_from_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("idea.id", ondelete="SET NULL"), index=True, default=None
    )
