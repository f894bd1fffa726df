"""Recording and publishing events: the one change path.

An event is a frozen, past-tense class of its domain (`board.events.IdeaPosted`, …) that names its wire `type`
and its visibility rule (a `live.visibility.Visibility`, generic or its domain's own): which audiences see it
whole, redacted, or not at all. A class without both cannot be defined, and `record()` takes nothing else, so
no event ships without a rule. Its fields are the keys of the wire `data` in `{seq, type, at, data}`.

A command calls `record()` inside its transaction: the workshop's `last_seq` goes up by one in a single
UPDATE … RETURNING (the row lock serialises concurrent posts, a rollback takes the number back, so the log
stays gap-free) and the event row is added. The session's unit of work (`werkstatt.uow`) publishes it after the
commit and drops it on a rollback: no caller publishes by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Integer, column, select, table, update

from werkstatt import metrics
from werkstatt.live.broker import workshop_channel
from werkstatt.live.models import WorkshopEvent
from werkstatt.uow import UnitOfWork

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.visibility import Visibility

MAX_EVENT_BYTES = 16_000

# Each workshop numbers its events on its own row (`workshop.last_seq`): the log names that counter as a bare
# table, so that live/ imports no domain (werkstatt.workshops.models.Workshop maps the same columns).
_counters = table("workshop", column("id", GUID), column("last_seq", Integer))

EVENT_TYPES: dict[str, type[Event]] = {}
"""Every event class by its wire type (filled as the domains define them)."""

_SPREAD = "spread"
_OPTIONAL = "optional"
SPREAD = MappingProxyType({_SPREAD: True})
"""Field metadata: the field's mapping is spread into the data (payloads whose keys vary with the mechanic)."""
OPTIONAL = MappingProxyType({_OPTIONAL: True})
"""Field metadata: the field is left out of the data when it is None."""


@dataclass(frozen=True)
class Event:
    """Something that happened in a workshop, as recorded in its log and sent to its boards.

    Subclass it as a frozen dataclass with the class keywords `type` (the wire name) and `visibility` (the rule
    (a `live.visibility.Visibility`) for who sees what of it)."""

    type: ClassVar[str]
    visibility: ClassVar[Visibility]

    def __init_subclass__(cls, *, type: str | None = None, visibility: Visibility | None = None, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if type is None or visibility is None:
            raise TypeError(f"{cls.__name__}: an event needs its wire type and its visibility rule")
        if type in EVENT_TYPES and EVENT_TYPES[type].__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.__name__}: the event type {type!r} is {EVENT_TYPES[type].__name__} already")
        cls.type = type
        cls.visibility = visibility
        EVENT_TYPES[type] = cls

    def data(self) -> dict[str, Any]:
        """The wire `data`: one key per field, in field order."""
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.metadata.get(_SPREAD):
                data.update(value)
            elif value is not None or not item.metadata.get(_OPTIONAL):
                data[item.name] = value
        return data


def visibility_of(type_: str) -> Visibility | None:
    """The rule of an event type, None for a type no class defines (then nobody is shown it)."""
    found = EVENT_TYPES.get(type_)
    return found.visibility if found is not None else None


async def record(db: AsyncSession, workshop_id: UUID, happened: Event) -> WorkshopEvent:
    seq = (
        await db.execute(
            update(_counters)
            .where(_counters.c.id == workshop_id)
            .values(last_seq=_counters.c.last_seq + 1)
            .returning(_counters.c.last_seq)
        )
    ).scalar_one()
    event = WorkshopEvent(
        workshop_id=workshop_id, seq=seq, type=happened.type, data=happened.data(), created_at=datetime.now(UTC)
    )
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
    rows = await db.execute(select(_counters.c.id, _counters.c.last_seq).where(_counters.c.id.in_(workshop_ids)))
    return {str(workshop_id): int(last_seq) for workshop_id, last_seq in rows}
