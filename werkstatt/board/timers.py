"""The step timer runs out on the server: whichever worker sweeps first ends it, once, and moves on to the next
step when the step says `auto_advance`, whether or not any browser is open.

Each worker sweeps every second (`werkstatt/jobs.py`). What makes it once is the transaction, not the
sweep: it first takes the workshop's row with a conditional update (still live, still on this step), then
ends the timer with a conditional update (still running, past its end); a second worker finds either
condition false and writes nothing. The events are the same as the coach's own commands would record:
`step_started` for the next step, or `timer_changed` with `action: "expire"` (the clock stays at 0:00)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select, update

from werkstatt.board import step_cards
from werkstatt.board.events import StepStarted, TimerChanged
from werkstatt.board.moderation import timer_view
from werkstatt.board.service import step_view
from werkstatt.live.events import publish, record
from werkstatt.uow import unit_of_work
from werkstatt.workshops.models import AgendaStep, Workshop, WorkshopState
from werkstatt.workshops.step_settings import auto_advance

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.live.models import WorkshopEvent


async def due_timers(db: AsyncSession, now: datetime) -> list[tuple[UUID, UUID, int]]:
    """(step id, workshop id, position) of every running timer past its end on a live workshop's current step."""
    query = (
        select(AgendaStep.id, AgendaStep.workshop_id, AgendaStep.position)
        .join(Workshop, Workshop.id == AgendaStep.workshop_id)
        .where(
            Workshop.state == WorkshopState.live,
            Workshop.current_step == AgendaStep.position,
            AgendaStep.timer_ends_at.is_not(None),
            AgendaStep.timer_ends_at <= now,
        )
        .order_by(AgendaStep.timer_ends_at)
    )
    return [(step_id, workshop_id, position) for step_id, workshop_id, position in await db.execute(query)]


async def expire_timer(
    db: AsyncSession, step_id: UUID, workshop_id: UUID, position: int, now: datetime
) -> WorkshopEvent | None:
    """End one step's timer (and advance) if nobody has yet; the caller's unit of work commits, then publishes."""
    step = await db.get(AgendaStep, step_id)
    if step is None:
        return None
    following = None
    if auto_advance(step):
        following = await db.scalar(
            select(AgendaStep).where(AgendaStep.workshop_id == workshop_id, AgendaStep.position == position + 1)
        )
    target = following.position if following is not None else position
    # The workshop's row first: it serialises against the coach's own step change and against other sweeps.
    held = await db.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id, Workshop.state == WorkshopState.live, Workshop.current_step == position)
        .values(current_step=target)
        .execution_options(synchronize_session=False)
    )
    if _count(held) != 1:
        return None
    ended = await db.execute(
        update(AgendaStep)
        .where(AgendaStep.id == step_id, AgendaStep.timer_ends_at.is_not(None), AgendaStep.timer_ends_at <= now)
        .values(timer_ends_at=None, timer_remaining=0)
        .execution_options(synchronize_session=False)
    )
    if _count(ended) != 1:
        return None
    if following is not None:  # as the coach's start_step: a fresh timer on the step moved to
        await db.execute(
            update(AgendaStep)
            .where(AgendaStep.id == following.id)
            .values(timer_ends_at=None, timer_remaining=None)
            .execution_options(synchronize_session=False)
        )
        await db.refresh(following)
        held_workshop = await db.get(Workshop, workshop_id)
        if held_workshop is not None:  # as start_step: a step on clusters fixes their cards now
            await step_cards.freeze_clusters(db, held_workshop, following)
        return await record(db, workshop_id, StepStarted(step_view(following), "live"))
    await db.refresh(step)
    return await record(db, workshop_id, TimerChanged(timer_view(step), "expire"))


def _count(result: Any) -> int:
    return int(result.rowcount)


async def expire_timers(
    sessionmaker: async_sessionmaker[AsyncSession], channels: ChannelsPlugin, now: datetime | None = None
) -> list[WorkshopEvent]:
    """The sweep: every due timer in its own transaction, each event published after its commit."""
    now = now or datetime.now(UTC)
    async with sessionmaker() as db:
        due = await due_timers(db, now)
    done: list[WorkshopEvent] = []
    for step_id, workshop_id, position in due:
        async with unit_of_work(sessionmaker, lambda events: publish(channels, *events)) as uow:
            event = await expire_timer(uow.session, step_id, workshop_id, position, now)
            if event is None:  # another sweep or the coach was first: nothing of this one stays
                await uow.rollback()
                continue
        done.append(event)  # committed, and published by the unit of work
    return done
