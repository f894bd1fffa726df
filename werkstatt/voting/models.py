"""Votes (dots and matrix ratings) and the coach's fixed final order.

A vote names its item: a card (`idea_id`) or, in a step that runs on clusters, a cluster (`cluster_id`, the
cluster as the step fixed it when it started: werkstatt.board.models.StepClusterCard); exactly one of the two.

The rules live in the database: a dot takes one of the participant's numbered budget slots in a step
(`uq_vote_budget_slot`) and one of their numbered slots on that card (`uq_vote_card_slot`). The insert
picks free slot numbers below the step's limits in the same statement, so two parallel requests can never
both get the last dot: one of them meets the unique constraint."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base

MAX_SLOTS = 20  # the highest dots_per_person / max_per_item the step config allows (catalogue schema)


class Vote(Base):
    """One dot (`slot` set) or one rating (`slot` NULL, `score_x`/`score_y` set) of a participant in a step."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("participant_id", "step_position", "slot", name="uq_vote_budget_slot"),
        UniqueConstraint("participant_id", "step_position", "idea_id", "item_slot", name="uq_vote_card_slot"),
        UniqueConstraint("participant_id", "step_position", "cluster_id", "item_slot", name="uq_vote_cluster_slot"),
        CheckConstraint(f"slot IS NULL OR (slot >= 0 AND slot < {MAX_SLOTS})", name="slot_range"),
        CheckConstraint(f"item_slot >= 0 AND item_slot < {MAX_SLOTS}", name="item_slot_range"),
        CheckConstraint("(slot IS NULL) = (score_x IS NOT NULL)", name="dot_or_rating"),
        CheckConstraint("(idea_id IS NULL) <> (cluster_id IS NULL)", name="card_or_cluster"),
    )

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    step_position: Mapped[int] = mapped_column(Integer)
    idea_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("idea.id", ondelete="CASCADE"), index=True, default=None
    )
    cluster_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("cluster.id", ondelete="CASCADE"), index=True, default=None
    )
    participant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    slot: Mapped[int | None] = mapped_column(Integer, default=None)
    item_slot: Mapped[int] = mapped_column(Integer, default=0)
    score_x: Mapped[int | None] = mapped_column(Integer, default=None)
    score_y: Mapped[int | None] = mapped_column(Integer, default=None)


class FinalRank(Base):
    """The final order the coach fixed (position 0 is first)."""

    __tablename__ = "final_rank"
    __table_args__ = (
        UniqueConstraint("workshop_id", "idea_id", name="uq_final_rank_idea"),
        UniqueConstraint("workshop_id", "position", name="uq_final_rank_position"),
    )

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
