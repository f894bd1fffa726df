"""Recording and publishing events: the one change path.

A command calls `record()` inside its transaction: the workshop's `last_seq` goes up by one in a single
UPDATE … RETURNING (the row lock serialises concurrent posts, a rollback takes the number back, so the log
stays gap-free) and the event row is added. The session's unit of work (`werkstatt.uow`) publishes it after the
commit and drops it on a rollback: no caller publishes by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select, update

from werkstatt import metrics
from werkstatt.live.broker import workshop_channel
from werkstatt.live.models import WorkshopEvent
from werkstatt.uow import UnitOfWork
from werkstatt.workshops.models import Workshop

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_EVENT_BYTES = 16_000


async def record(db: AsyncSession, workshop_id: UUID, type_: str, data: dict[str, Any]) -> WorkshopEvent:
    seq = (
        await db.execute(
            update(Workshop)
            .where(Workshop.id == workshop_id)
            .values(last_seq=Workshop.last_seq + 1)
            .returning(Workshop.last_seq)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    event = WorkshopEvent(workshop_id=workshop_id, seq=seq, type=type_, data=data, created_at=datetime.now(UTC))
    db.add(event)
    await db.flush()
    UnitOfWork.of(db).record(event)
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
    """After commit (the unit of work calls it): put the news on the workshop's channel. Losing it is harmless
    (clients replay)."""
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
    rows = await db.execute(select(Workshop.id, Workshop.last_seq).where(Workshop.id.in_(workshop_ids)))
    return {str(workshop_id): int(last_seq) for workshop_id, last_seq in rows}
