"""Every periodic job of the app, registered in one place (wired like app.py, so it may import any domain).

`scheduler.register(name, interval_seconds, func)` runs the zero-argument coroutine function `func` every
`interval_seconds`, once per slot across all workers (see `werkstatt/scheduler.py`); bind what a job needs
from the `JobContext` with `functools.partial`. Names are short, lower-case and stable: they are the keys
of the claimed slots in the `scheduled_run` table.

A job needing arguments the scheduler does not pass (a time) gets a small wrapper, as retention below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from werkstatt.board.timers import expire_timers
from werkstatt.privacy.retention import apply_retention

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.scheduler import Scheduler
    from werkstatt.settings import Settings

TIMER_SWEEP_SECONDS = 1


@dataclass(frozen=True)
class JobContext:
    """What jobs may use: the settings, the database and the live channels (publish after commit)."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    channels: ChannelsPlugin


RETENTION_SECONDS = 3600


def register_jobs(scheduler: Scheduler, context: JobContext) -> None:
    # Step timers run out on the server; each worker sweeps, the sweep's conditional updates make it once.
    scheduler.register(
        "step-timers",
        TIMER_SWEEP_SECONDS,
        partial(expire_timers, context.sessionmaker, context.channels),
        every_worker=True,
    )

    # Retention (DSGVO): names pseudonymised, sessions and old rows pruned; hourly, once across workers.
    async def retention() -> None:
        await apply_retention(context.sessionmaker, context.settings, datetime.now(UTC))

    scheduler.register("retention", RETENTION_SECONDS, retention)
