"""Periodic jobs, run once per slot across all workers.

Every worker runs an APScheduler `AsyncIOScheduler` whose interval triggers are aligned to the epoch, so all
workers fire a job at the same instants. Before it runs, a job claims its slot (job name + slot start) with
a conditional insert into `scheduled_run` (unique pair): the one worker whose insert lands runs the job,
the others skip it. The table works the same on the embedded SQLite database and on PostgreSQL, with or
without Redis. A job that fails keeps its slot (it is logged and runs again in the next one).

A job may instead run on `every_worker` without a claim, when its own writes are conditional (the timer
sweep): then no row is written per run.

The jobs of the app are listed in one place, `werkstatt/jobs.py`."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from advanced_alchemy.types import DateTimeUTC
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import String, UniqueConstraint, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger("werkstatt.scheduler")

JobFunc = Callable[[], Awaitable[Any]]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
MAX_INTERVAL = 31 * 24 * 3600  # seconds
KEEP_CLAIMS = timedelta(days=7)
STOP_WAIT = 5.0  # seconds a running job gets to finish when the app stops


class ScheduledRun(Base):
    """One claimed slot of a job: the worker whose insert landed runs it."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_scheduled_run_slot"),)

    job: Mapped[str] = mapped_column(String(80))
    slot: Mapped[datetime] = mapped_column(DateTimeUTC)


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: int
    func: JobFunc
    every_worker: bool = False


def slot_of(now: datetime, interval_seconds: int) -> datetime:
    """The start of the slot `now` falls in; slots are counted from the epoch, the same on every worker."""
    elapsed = int((now - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % interval_seconds)


class Scheduler:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self.jobs: dict[str, Job] = {}
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[Any]] = set()

    def register(self, name: str, interval_seconds: int, func: JobFunc, *, every_worker: bool = False) -> None:
        """Run `func()` every `interval_seconds` (1 s to 31 days), once per slot across workers (or, with
        `every_worker`, on each worker: only for jobs whose writes are conditional themselves)."""
        if not NAME.match(name):
            raise ValueError(f"Ungültiger Jobname {name!r}: a–z, 0–9, _ . -, höchstens 80 Zeichen")
        if name in self.jobs:
            raise ValueError(f"Den Job {name!r} gibt es schon")
        if isinstance(interval_seconds, bool) or not isinstance(interval_seconds, int):
            raise ValueError("Das Intervall ist eine ganze Zahl von Sekunden")
        if not 1 <= interval_seconds <= MAX_INTERVAL:
            raise ValueError(f"Das Intervall liegt zwischen 1 und {MAX_INTERVAL} Sekunden")
        job = Job(name, interval_seconds, func, every_worker)
        self.jobs[name] = job
        if self._scheduler is not None:
            self._add(self._scheduler, job)

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Start on the running event loop (the app's lifespan)."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler(timezone=UTC)
        for job in self.jobs.values():
            self._add(scheduler, job)
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Stop firing, then give running jobs a moment and cancel what is left (a cancelled job's transaction
        rolls back; its slot stays claimed)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.pause()  # no new runs; shutting down first would cancel the running ones at once
        running = list(self._running)
        if running:
            _done, pending = await asyncio.wait(running, timeout=STOP_WAIT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    def _add(self, scheduler: AsyncIOScheduler, job: Job) -> None:
        scheduler.add_job(
            self.run,
            IntervalTrigger(seconds=job.interval_seconds, start_date=EPOCH, timezone=UTC),
            args=[job.name],
            id=job.name,
            name=job.name,
            coalesce=True,  # runs missed while the loop was busy collapse into one
            max_instances=1,
            misfire_grace_time=None,  # late is better than never
            replace_existing=True,
        )

    async def run(self, name: str, now: datetime | None = None) -> bool:
        """Claim the job's current slot and run it; False when another worker has the slot. A failure is
        logged, never raised (the scheduler goes on)."""
        job = self.jobs[name]
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            if not job.every_worker and not await self.claim(job, now or datetime.now(UTC)):
                return False
            await job.func()
            return True
        except Exception:
            logger.exception("job %s failed", name)
            return False
        finally:
            if task is not None:
                self._running.discard(task)

    async def claim(self, job: Job, now: datetime) -> bool:
        slot = slot_of(now, job.interval_seconds)
        async with self._sessionmaker() as db:
            dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(ScheduledRun)
                .values(job=job.name, slot=slot)
                .on_conflict_do_nothing(index_elements=["job", "slot"])
            )
            claimed: bool = (await db.execute(statement)).rowcount == 1  # type: ignore[attr-defined]
            if claimed:  # the winner tidies up: old claims of this job go
                await db.execute(
                    delete(ScheduledRun).where(ScheduledRun.job == job.name, ScheduledRun.slot < now - KEEP_CLAIMS)
                )
            await db.commit()
        return claimed
