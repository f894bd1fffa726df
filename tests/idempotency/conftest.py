"""Idempotency keys across the API: the voting room (coach, three guests, four cards) and the organisation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.network.conftest import Org, org, quick_argon2
from tests.voting.conftest import SAME_ORIGIN, Room, coach_client, room, workshop
from werkstatt.live import events as live_events
from werkstatt.live.models import WorkshopEvent
from werkstatt.workshops.models import Workshop

__all__ = [
    "SAME_ORIGIN",
    "Org",
    "Room",
    "coach_client",
    "count",
    "key",
    "last_seq",
    "org",
    "problem_fields",
    "published",
    "quick_argon2",
    "room",
    "workshop",
]


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def count(db: AsyncSession, model: Any, *where: Any) -> int:
    await db.rollback()  # a fresh snapshot: the app wrote through its own engine
    return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def last_seq(db: AsyncSession, workshop_id: str) -> int:
    await db.rollback()
    from uuid import UUID

    return int((await db.execute(select(Workshop.last_seq).where(Workshop.id == UUID(workshop_id)))).scalar_one())


def problem_fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code
    return {item["field"]: item["message"] for item in body.get("errors", [])}


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[WorkshopEvent]:
    """Every event the API routes publish (the unit of work, after its commit)."""
    seen: list[WorkshopEvent] = []
    real = live_events.publish

    def spy(channels: Any, *events: WorkshopEvent) -> None:
        seen.extend(events)
        real(channels, *events)

    monkeypatch.setattr(live_events, "publish", spy)
    return seen
