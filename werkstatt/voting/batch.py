"""Batched tally updates: a burst of hundreds of dots becomes a few `tally_updated` events per second.

A vote only records `vote_cast` (which renders on the voter's own board alone). It then asks the worker's
batcher for a tally update of that step; the first ask starts a timer, asks within the window join it, and
when it fires the worker counts the step's dots once, records one `tally_updated` and publishes it. Each
worker batches for itself, so a room across two workers sees at most two updates per window; every update
is a full count from the database, so the last one is always right."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any
from uuid import UUID

from werkstatt.live.events import publish
from werkstatt.voting.service import record_tally

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger("werkstatt.voting")

WINDOW = 0.3  # seconds: at most ~3 tally updates per second and worker


class TallyBatcher:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], channels: ChannelsPlugin, window: float = WINDOW
    ) -> None:
        self.sessionmaker = sessionmaker
        self.channels = channels
        self.window = window
        self.pending: dict[tuple[UUID, int], asyncio.Task[None]] = {}

    def touch(self, workshop_id: UUID, position: int) -> None:
        key = (workshop_id, position)
        task = self.pending.get(key)
        if task is not None and not task.done():
            return
        self.pending[key] = asyncio.get_running_loop().create_task(self._later(key))

    async def _later(self, key: tuple[UUID, int]) -> None:
        await asyncio.sleep(self.window)
        # Leave the window before counting: a vote committed from now on schedules the next update.
        self.pending.pop(key, None)
        try:
            await self.flush(*key)
        except RuntimeError as error:  # the app is shutting down (channels stopped): nobody to tell
            logger.warning("tally update for %s dropped: %s", key, error)
        except Exception:  # a lost update is repaired by the next one or a board reload
            logger.exception("tally update for %s failed", key)

    async def flush(self, workshop_id: UUID, position: int) -> None:
        async with self.sessionmaker() as db:
            event = await record_tally(db, workshop_id, position)
            if event is None:
                return
            await db.commit()
        publish(self.channels, event)

    async def drain(self) -> None:
        for task in list(self.pending.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def batcher(state: Any) -> TallyBatcher:
    """The app's batcher, made on first use (app.py stays free of voting details)."""
    found: TallyBatcher | None = getattr(state, "tally_batcher", None)
    if found is None:
        found = TallyBatcher(state.sessionmaker, state.channels)
        state.tally_batcher = found
    return found
