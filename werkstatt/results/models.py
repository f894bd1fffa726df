"""Project ideas (Projektideen): what a workshop decided, owned by someone from the town's Kernteam.

They keep their links: the workshop, the town, the cards they grew from (with the text and dots at the time,
so a later deleted card leaves a readable trace) and the next steps with due dates."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from werkstatt.db import Base, JSONType


class ProjectStatus(StrEnum):
    idee = "idee"
    ausgewaehlt = "ausgewaehlt"
    in_umsetzung = "in_umsetzung"
    umgesetzt = "umgesetzt"
    verworfen = "verworfen"


# Which status may follow which: forward only, and "verworfen" from anything still open.
TRANSITIONS: dict[ProjectStatus, set[ProjectStatus]] = {
    ProjectStatus.idee: {ProjectStatus.ausgewaehlt, ProjectStatus.verworfen},
    ProjectStatus.ausgewaehlt: {ProjectStatus.in_umsetzung, ProjectStatus.verworfen},
    ProjectStatus.in_umsetzung: {ProjectStatus.umgesetzt, ProjectStatus.verworfen},
    ProjectStatus.umgesetzt: set(),
    ProjectStatus.verworfen: set(),
}


class ProjectIdea(Base):
    __tablename__ = "project_idea"

    network_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True)
    town_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("town.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("workshop.id", ondelete="SET NULL"), index=True, default=None
    )
    owner_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("kernteam_member.id", ondelete="SET NULL"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(String(20), default=ProjectStatus.idee)
    focus_topic_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)

    cards: Mapped[list[ProjectCard]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProjectCard.position"
    )
    next_steps: Mapped[list[NextStep]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="NextStep.position"
    )


class ProjectCard(Base):
    """A card a project idea grew from, with its text and dots when the idea was made."""

    __tablename__ = "project_card"
    __table_args__ = (UniqueConstraint("project_idea_id", "idea_id", name="uq_project_card"),)

    project_idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("project_idea.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("idea.id", ondelete="SET NULL"), default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(1000))
    votes: Mapped[int] = mapped_column(Integer, default=0)


class NextStep(Base):
    __tablename__ = "project_next_step"

    project_idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("project_idea.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
