"""The scheduler: a job runs once per slot across workers (two schedulers on one database stand for two
workers), `every_worker` jobs run everywhere, and a started scheduler fires on its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from werkstatt import db as database
from werkstatt.scheduler import ScheduledRun, Scheduler, slot_of
from werkstatt.settings import Settings


async def _workers(settings: Settings, count: int = 2) -> tuple[list[Scheduler], list[Any]]:
    engines = [database.create_engine(settings) for _ in range(count)]
    return [Scheduler(database.create_sessionmaker(engine)) for engine in engines], engines


async def _claims(settings: Settings, job: str) -> int:
    engine = database.create_engine(settings)
    async with database.create_sessionmaker(engine)() as db:
        count = int(await db.scalar(select(func.count()).select_from(ScheduledRun).where(ScheduledRun.job == job)))
    await engine.dispose()
    return count


def test_slots_are_counted_from_the_epoch() -> None:
    at = datetime(2026, 12, 5, 14, 37, 12, 500_000, tzinfo=UTC)
    assert slot_of(at, 1) == datetime(2026, 12, 5, 14, 37, 12, tzinfo=UTC)
    assert slot_of(at, 3600) == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    assert slot_of(at, 24 * 3600) == datetime(2026, 12, 5, tzinfo=UTC)


async def test_a_job_runs_once_per_slot_across_workers(settings: Settings) -> None:
    workers, engines = await _workers(settings, 3)
    runs: list[str] = []
    for index, worker in enumerate(workers):

        async def job(index: int = index) -> None:
            runs.append(f"worker {index}")

        worker.register("retention", 3600, job)
    first = datetime(2026, 12, 5, 14, 0, 1, tzinfo=UTC)
    try:
        # Three workers fire at (nearly) the same instant of one slot: one runs it.
        ran = await asyncio.gather(
            *(worker.run("retention", first + timedelta(seconds=i)) for i, worker in enumerate(workers))
        )
        assert sorted(ran) == [False, False, True] and len(runs) == 1
        # Later in the same slot: nobody again. In the next slot: one again.
        assert not any([await worker.run("retention", first + timedelta(minutes=59)) for worker in workers])
        ran = await asyncio.gather(*(worker.run("retention", first + timedelta(hours=1)) for worker in workers))
        assert sorted(ran) == [False, False, True] and len(runs) == 2
    finally:
        for engine in engines:
            await engine.dispose()
    assert await _claims(settings, "retention") == 2


async def test_old_claims_are_tidied_up_by_the_winner(settings: Settings) -> None:
    (worker,), engines = await _workers(settings, 1)

    async def job() -> None:
        return None

    worker.register("daily", 24 * 3600, job)
    start = datetime(2026, 11, 1, 3, tzinfo=UTC)
    for day in range(10):
        assert await worker.run("daily", start + timedelta(days=day))
    await engines[0].dispose()
    assert await _claims(settings, "daily") == 7, "the last seven days stay; older claims go"


async def test_every_worker_jobs_run_everywhere_without_claims(settings: Settings) -> None:
    workers, engines = await _workers(settings)
    runs: list[int] = []
    for index, worker in enumerate(workers):

        async def job(index: int = index) -> None:
            runs.append(index)

        worker.register("sweep", 1, job, every_worker=True)
    now = datetime.now(UTC)
    assert all(await asyncio.gather(*(worker.run("sweep", now) for worker in workers)))
    for engine in engines:
        await engine.dispose()
    assert sorted(runs) == [0, 1]
    assert await _claims(settings, "sweep") == 0


async def test_a_failing_job_is_logged_and_the_next_slot_runs(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    (worker,), engines = await _workers(settings, 1)
    calls: list[datetime] = []

    async def job() -> None:
        calls.append(datetime.now(UTC))
        if len(calls) == 1:
            raise RuntimeError("kaputt")

    worker.register("flaky", 60, job)
    now = datetime(2026, 12, 5, 14, tzinfo=UTC)
    assert await worker.run("flaky", now) is False
    assert "job flaky failed" in caplog.text
    assert await worker.run("flaky", now + timedelta(seconds=60)) is True
    await engines[0].dispose()
    assert len(calls) == 2


def test_register_refuses_bad_names_intervals_and_doubles() -> None:
    scheduler = Scheduler(None)  # type: ignore[arg-type]

    async def job() -> None:
        return None

    for name, interval in (("Großbuchstaben", 60), ("", 60), ("x" * 81, 60), ("ok", 0), ("ok", 1.5), ("ok", True)):
        with pytest.raises(ValueError, match=r"Job|Intervall"):
            scheduler.register(name, interval, job)  # type: ignore[arg-type]
    scheduler.register("ok", 60, job)
    with pytest.raises(ValueError, match="gibt es schon"):
        scheduler.register("ok", 60, job)


async def test_started_schedulers_fire_on_their_own_and_share_the_slots(settings: Settings) -> None:
    """Two running schedulers, a job every second: each second's slot runs once, on one of them."""
    workers, engines = await _workers(settings)
    slots: list[datetime] = []
    enough = asyncio.Event()
    for worker in workers:

        async def job() -> None:
            slots.append(slot_of(datetime.now(UTC), 1))
            if len(slots) >= 3:
                enough.set()

        worker.register("tick", 1, job)
    for worker in workers:
        worker.start()
    try:
        async with asyncio.timeout(15):
            await enough.wait()
    finally:
        for worker in workers:
            await worker.stop()
        for engine in engines:
            await engine.dispose()
    assert len(slots) == len(set(slots)), f"a slot ran twice: {slots}"
    assert not workers[0].running


async def test_stop_cancels_a_job_that_does_not_finish(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import werkstatt.scheduler as scheduler_module

    monkeypatch.setattr(scheduler_module, "STOP_WAIT", 0.1)
    (worker,), engines = await _workers(settings, 1)
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def job() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    worker.register("endless", 1, job, every_worker=True)
    worker.start()
    async with asyncio.timeout(10):
        await started.wait()
    await worker.stop()
    await engines[0].dispose()
    assert cancelled.is_set()


async def test_the_app_registers_its_jobs_and_retention_runs_once_across_two_apps(settings: Settings) -> None:
    from werkstatt.app import create_app

    apps = [create_app(settings), create_app(settings)]
    try:
        for app in apps:
            assert set(app.state.scheduler.jobs) == {"step-timers", "retention"}
            assert app.state.scheduler.jobs["step-timers"].every_worker
        now = datetime.now(UTC)
        ran = await asyncio.gather(*(app.state.scheduler.run("retention", now) for app in apps))
        assert sorted(ran) == [False, True]
    finally:
        for app in apps:
            await app.state.engine.dispose()
    assert await _claims(settings, "retention") == 1
