"""Recording and publishing events: the one change path.

A command calls `record()` inside its transaction: the workshop's `last_seq` goes up by one in a single
UPDATE … RETURNING (the row lock serialises concurrent posts, a rollback takes the number back, so the log
stays gap-free) and the event row is added. Only after the commit does the caller `publish()` it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Integer, column, select, table, update

from werkstatt import metrics
from werkstatt.live.broker import workshop_channel
from werkstatt.live.models import WorkshopEvent

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_EVENT_BYTES = 16_000

# Each workshop numbers its events on its own row (`workshop.last_seq`): the log names that counter as a bare
# table, so that live/ imports no domain (werkstatt.workshops.models.Workshop maps the same columns).
_counters = table("workshop", column("id", GUID), column("last_seq", Integer))


async def record(db: AsyncSession, workshop_id: UUID, type_: str, data: dict[str, Any]) -> WorkshopEvent:
    seq = (
        await db.execute(
            update(_counters)
            .where(_counters.c.id == workshop_id)
            .values(last_seq=_counters.c.last_seq + 1)
            .returning(_counters.c.last_seq)
        )
    ).scalar_one()
    event = WorkshopEvent(workshop_id=workshop_id, seq=seq, type=type_, data=data, created_at=datetime.now(UTC))
    db.add(event)
    await db.flush()
    return event


def event_dict(event: WorkshopEvent) -> dict[str, Any]:
    """The public shape of an event (API.md): `{seq, type, at, data}`, plus the workshop id for routing."""
    return {
        "workshop_id": str(event.workshop_id),
        "seq": event.seq,
        "type": event.type,
        "at": event.created_at.astimezone(UTC).isoformat(),
        "data": event.data,
    }


def encode(event: WorkshopEvent) -> bytes:
    return json.dumps(event_dict(event), ensure_ascii=False, separators=(",", ":")).encode()


def publish(channels: ChannelsPlugin, *events: WorkshopEvent) -> None:
    """After commit: put the news on the workshop's channel. Losing it is harmless (clients replay)."""
    metrics.published(len(events))
    for event in events:
        channels.publish(encode(event), channels=[workshop_channel(event.workshop_id)])


async def events_after(db: AsyncSession, workshop_id: UUID, after: int, limit: int = 1000) -> list[WorkshopEvent]:
    query = (
        select(WorkshopEvent)
        .where(WorkshopEvent.workshop_id == workshop_id, WorkshopEvent.seq > after)
        .order_by(WorkshopEvent.seq)
        .limit(limit)
    )
    return list((await db.execute(query)).scalars())


async def latest_seqs(db: AsyncSession, workshop_ids: list[UUID]) -> dict[str, int]:
    """The last recorded seq of each workshop (keyed by the id as text), in one query."""
    if not workshop_ids:
        return {}
    rows = await db.execute(select(_counters.c.id, _counters.c.last_seq).where(_counters.c.id.in_(workshop_ids)))
    return {str(workshop_id): int(last_seq) for workshop_id, last_seq in rows}
