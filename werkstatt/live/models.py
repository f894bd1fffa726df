"""The event log: the record every live board is rebuilt from. One row per change, numbered per workshop."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base, JSONType


class WorkshopEvent(Base):
    __tablename__ = "workshop_event"
    __table_args__ = (UniqueConstraint("workshop_id", "seq", name="uq_workshop_event_seq"),)

    workshop_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
