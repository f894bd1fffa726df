"""Accounts (and, from the organisation issue on, networks, towns, Kernteams and focus topics)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base


class Role(StrEnum):
    admin = "admin"
    network_admin = "network_admin"
    coach = "coach"
    kernteam = "kernteam"


class Account(Base):
    __tablename__ = "account"

    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(String(20), default=Role.coach)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
