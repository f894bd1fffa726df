"""Method cards as rows: the validated card JSON plus denormalised columns to filter and search on.

Shipped cards (from `methods/`) have no network; a network's own cards belong to it and are either
network-only or shared with every network. List-valued filters (target groups, focus topics, …) are kept
as `|a|b|` strings so that one LIKE works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base, JSONType


class Origin(StrEnum):
    shipped = "shipped"
    network = "network"


class Visibility(StrEnum):
    network = "network"  # only the owning network sees it
    shared = "shared"  # every network (and anonymous visitors) sees it


SHIPPED_SCOPE = "shipped"


def pack(values: list[str]) -> str:
    """`["a", "b"]` → `"|a|b|"` (empty list → `""`)."""
    return f"|{'|'.join(values)}|" if values else ""


def unpack(value: str) -> list[str]:
    return [part for part in value.split("|") if part]


class Method(Base):
    __tablename__ = "method"
    __table_args__ = (UniqueConstraint("scope", "slug", name="uq_method_scope_slug"),)

    slug: Mapped[str] = mapped_column(String(80), index=True)
    scope: Mapped[str] = mapped_column(String(40))
    """`shipped` or the owning network's id: the slug is unique per scope (NULLs would not be)."""
    network_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True, default=None
    )
    origin: Mapped[str] = mapped_column(String(10), default=Origin.shipped)
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.shared)
    forked_from_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("method.id", ondelete="SET NULL"), index=True, default=None
    )

    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(30), index=True)
    secondary_categories: Mapped[str] = mapped_column(String(200), default="")
    phases: Mapped[str] = mapped_column(String(200), default="")
    arc: Mapped[str] = mapped_column(String(100), default="")
    min_minutes: Mapped[int] = mapped_column(Integer)
    typical_minutes: Mapped[int] = mapped_column(Integer)
    max_minutes: Mapped[int] = mapped_column(Integer)
    group_min: Mapped[int] = mapped_column(Integer)
    group_max: Mapped[int | None] = mapped_column(Integer, default=None)
    target_groups: Mapped[str] = mapped_column(String(1200), default="")
    focus_topics: Mapped[str] = mapped_column(String(1200), default="")
    settings: Mapped[str] = mapped_column(String(100), default="")
    board_mechanics: Mapped[str] = mapped_column(String(200), default="")
    formats: Mapped[str] = mapped_column(String(200), default="")

    card: Mapped[dict[str, Any]] = mapped_column(JSONType)
    version: Mapped[int] = mapped_column(Integer, default=1)
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Plain German text (PostgreSQL indexes it with the `german` configuration)."""
    search_stems: Mapped[str] = mapped_column(Text, default="")
    """The same text through our German normaliser; SQLite's FTS5 table `method_fts` indexes it."""

    created_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )
    updated_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )


class MethodVersion(Base):
    """Every saved state of a card: who changed it, when (created_at) and why."""

    __tablename__ = "method_version"
    __table_args__ = (UniqueConstraint("method_id", "version", name="uq_method_version_method_version"),)

    method_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("method.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    card: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changed_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )
    changed_by_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(300), default="")


class MethodUsage(Base):
    """A workshop used the method (recorded by the workshop domain); one row per workshop and method."""

    __tablename__ = "method_usage"
    __table_args__ = (UniqueConstraint("method_id", "workshop_id", name="uq_method_usage_method_workshop"),)

    method_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("method.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[UUID] = mapped_column(GUID)  # no FK: the workshop table lives in another domain
    network_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True, default=None
    )


class MethodRating(Base):
    """A coach's rating after using a method: stars, the group it was used with, what worked."""

    __tablename__ = "method_rating"
    __table_args__ = (CheckConstraint("stars >= 1 AND stars <= 5", name="stars_range"),)

    method_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("method.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )
    network_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("network.id", ondelete="SET NULL"), index=True, default=None
    )
    workshop_id: Mapped[UUID | None] = mapped_column(GUID, default=None)
    stars: Mapped[int] = mapped_column(Integer)
    group_size: Mapped[int | None] = mapped_column(Integer, default=None)
    target_group: Mapped[str | None] = mapped_column(String(80), default=None)
    note: Mapped[str] = mapped_column(String(1000), default="")
    author_name: Mapped[str] = mapped_column(String(100), default="")


class AgendaTemplateRow(Base):
    """A shipped agenda template (whole session sequence), synced from `methods/agendas/`."""

    __tablename__ = "agenda_template"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(40))
    template: Mapped[dict[str, Any]] = mapped_column(JSONType)
