"""The organisation every result is linked to: Netzwerk → Städte (each with a Kernteam and chosen
Schwerpunktthemen), network-wide Zielgruppen, and the accounts that work in a network."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from werkstatt.db import Base


class Role(StrEnum):
    admin = "admin"  # instance admin: every network
    network_admin = "network_admin"
    coach = "coach"
    kernteam = "kernteam"


class KernteamRole(StrEnum):
    verwaltung = "verwaltung"
    gewerbe = "gewerbe"  # Händler-/Gewerbegemeinschaft
    stadtmarketing = "stadtmarketing"
    eigentuemer = "eigentuemer"
    sonstige = "sonstige"


KERNTEAM_ROLE_LABELS = {
    KernteamRole.verwaltung: "Verwaltung",
    KernteamRole.gewerbe: "Händler-/Gewerbegemeinschaft",
    KernteamRole.stadtmarketing: "Stadtmarketing",
    KernteamRole.eigentuemer: "Eigentümer",
    KernteamRole.sonstige: "Sonstige",
}


class Network(Base):
    __tablename__ = "network"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")

    towns: Mapped[list[Town]] = relationship(back_populates="network", order_by="Town.name", lazy="selectin")
    focus_topics: Mapped[list[FocusTopic]] = relationship(
        back_populates="network", order_by="FocusTopic.position", lazy="selectin"
    )
    target_groups: Mapped[list[TargetGroup]] = relationship(
        back_populates="network", order_by="TargetGroup.position", lazy="selectin"
    )


class FocusTopic(Base):
    """Schwerpunktthema of a network's taxonomy."""

    __tablename__ = "focus_topic"
    __table_args__ = (
        UniqueConstraint("network_id", "name", name="uq_focus_topic_network_name"),
        UniqueConstraint("network_id", "slug", name="uq_focus_topic_network_slug"),
    )

    network_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)

    network: Mapped[Network] = relationship(back_populates="focus_topics")


class TargetGroup(Base):
    """Zielgruppe / Fokusgruppe (Jugendliche, Familien, Senioren, …), editable per network."""

    __tablename__ = "target_group"
    __table_args__ = (
        UniqueConstraint("network_id", "name", name="uq_target_group_network_name"),
        UniqueConstraint("network_id", "slug", name="uq_target_group_network_slug"),
    )

    network_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)

    network: Mapped[Network] = relationship(back_populates="target_groups")


class Town(Base):
    __tablename__ = "town"
    __table_args__ = (UniqueConstraint("network_id", "name", name="uq_town_network_name"),)

    network_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000), default="")

    network: Mapped[Network] = relationship(back_populates="towns")
    focus_topics: Mapped[list[TownFocusTopic]] = relationship(
        back_populates="town", order_by="TownFocusTopic.priority", lazy="selectin", cascade="all, delete-orphan"
    )
    kernteam: Mapped[list[KernteamMember]] = relationship(
        back_populates="town", order_by="KernteamMember.display_name", lazy="selectin", cascade="all, delete-orphan"
    )


class TownFocusTopic(Base):
    """A focus topic the town chose, with its own priority and a short note."""

    __tablename__ = "town_focus_topic"
    __table_args__ = (UniqueConstraint("town_id", "focus_topic_id", name="uq_town_focus_topic_pair"),)

    town_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("town.id", ondelete="CASCADE"), index=True)
    focus_topic_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("focus_topic.id", ondelete="CASCADE"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(String(500), default="")

    town: Mapped[Town] = relationship(back_populates="focus_topics")
    focus_topic: Mapped[FocusTopic] = relationship(lazy="joined")


class KernteamMember(Base):
    """A member of a town's Kernteam; may be linked to an account (to own project ideas and log in)."""

    __tablename__ = "kernteam_member"

    town_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("town.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[KernteamRole] = mapped_column(String(20), default=KernteamRole.sonstige)
    organisation: Mapped[str] = mapped_column(String(120), default="")
    account_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), index=True, default=None
    )

    town: Mapped[Town] = relationship(back_populates="kernteam")


class Account(Base):
    """A person with a login. Every account but an instance admin belongs to one network."""

    __tablename__ = "account"

    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(String(20), default=Role.coach)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    network_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True, default=None
    )


class Invitation(Base):
    """A one-time link that lets a person set a password for a new account. Only the token's SHA-256 is kept."""

    __tablename__ = "invitation"

    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    network_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("network.id", ondelete="CASCADE"), index=True, default=None
    )
    invited_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="SET NULL"), default=None
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)


class PasswordReset(Base):
    """A one-time link to set a new password; it ends every session of the account when used."""

    __tablename__ = "password_reset"

    account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)


class ApiToken(Base):
    """A bearer token for the JSON API. Shown once at creation; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)


class LoginAttempt(Base):
    """One failed login, counted per account at a client address and per client address (hashed keys) by every
    worker."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)

    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
