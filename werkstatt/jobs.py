"""Every periodic job of the app, registered in one place (wired like app.py, so it may import any domain).

`scheduler.register(name, interval_seconds, func)` runs the zero-argument coroutine function `func` every
`interval_seconds`, once per slot across all workers (see `werkstatt/scheduler.py`); bind what a job needs
from the `JobContext` with `functools.partial`. Names are short, lower-case and stable: they are the keys
of the claimed slots in the `scheduled_run` table.

To add one, e.g. a retention job (hourly, once across workers), inside `register_jobs`:

    async def retention() -> None:
        await apply_retention(context.sessionmaker, context.settings, datetime.now(UTC))

    scheduler.register("retention", 3600, retention)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from werkstatt.board.timers import expire_timers

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


def register_jobs(scheduler: Scheduler, context: JobContext) -> None:
    # Step timers run out on the server; each worker sweeps, the sweep's conditional updates make it once.
    scheduler.register(
        "step-timers",
        TIMER_SWEEP_SECONDS,
        partial(expire_timers, context.sessionmaker, context.channels),
        every_worker=True,
    )
