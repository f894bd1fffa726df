"""Coalesced tally updates: a burst of hundreds of dots becomes at most five `tally_updated` per second and
workshop step, across all workers, and the last one is always a full count made after the last dot.

A vote records only its `vote_cast` (the voter's own news). After its commit the worker asks for a tally of
that step (`touch`): the first ask starts a local timer, asks within the window join it. When the timer fires:

- one worker (embedded mode): it counts the step's dots once, records one `tally_updated` and publishes it;
- several workers (Redis): every ask first takes a number from a per-step generation counter (INCR, after
  the vote's commit). The firing worker then runs one script: if a tally already counted past its number
  (`covered`), it is done; else it takes the step's lock (`SET … NX PX`, a lease while it counts) and learns
  the current generation G, counts, records, publishes, raises `covered` to G and leaves the lock set for one
  more window (`PX 200`, the cool-down). A worker that finds the lock taken waits for the lock's rest and
  tries again. So two tallies of a step are recorded more than one window apart (≤ 5/s across workers), and
  every dot is counted by a tally that started after its commit: none is left uncounted at the end of a burst.
  Without Redis (or while it is away) a worker keeps the same spacing for itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING
from uuid import UUID

from redis.exceptions import RedisError

from werkstatt.uow import unit_of_work
from werkstatt.voting.news import record_tally

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger("werkstatt.voting")

WINDOW = 0.2  # seconds: at most 5 tally updates per second and workshop step, across all workers
KEY_LIFE_MS = 3_600_000  # the counters of a step outlive a pause, never the day
FORGET_AFTER = 60.0  # seconds after its last tally a step's local bookkeeping goes
LEASE_MS = 5_000  # how long a worker may count before another one may (it died meanwhile)

# KEYS: generation. ARGV: key life. → the new generation number.
TOUCH = "local g = redis.call('incr', KEYS[1]) redis.call('pexpire', KEYS[1], ARGV[1]) return g"
# KEYS: lock, generation, covered. ARGV: lease ms, generation needed. → {0} covered, {1, G} count now, {2, ms} wait.
CLAIM = """
if tonumber(redis.call('get', KEYS[3]) or '0') >= tonumber(ARGV[2]) then return {0, 0} end
if redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return {1, tonumber(redis.call('get', KEYS[2]) or '0')}
end
return {2, redis.call('pttl', KEYS[1])}
"""
# KEYS: covered, lock. ARGV: generation counted, key life, window ms. `covered` is only ever raised; the lock
# stays one more window (the cool-down before the next tally).
COVER = """
if tonumber(redis.call('get', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
redis.call('set', KEYS[2], '1', 'PX', ARGV[3])
return 1
"""

Key = tuple[UUID, int]


def _names(key: Key) -> tuple[str, str, str]:
    base = f"werkstatt:tally:{key[0]}:{key[1]}"
    return f"{base}:lock", f"{base}:gen", f"{base}:covered"


class TallyBatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        channels: ChannelsPlugin,
        window: float = WINDOW,
        redis: Redis | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.channels = channels
        self.window = window
        self.redis = redis
        self.pending: dict[Key, asyncio.Task[None]] = {}
        self.needed: dict[Key, int] = {}  # the generation this worker must see counted (Redis)
        self.recorded: dict[Key, float] = {}  # when this worker last recorded a tally of the step (loop time)
        self.turns: dict[Key, asyncio.Lock] = {}
        self._marking: set[asyncio.Task[None]] = set()

    def touch(self, workshop_id: UUID, position: int) -> None:
        """After a vote's commit: a tally of its step is owed."""
        key = (workshop_id, position)
        if self.redis is None:
            self._schedule(key, self.window)
            return
        task = asyncio.get_running_loop().create_task(self._mark(key))
        self._marking.add(task)
        task.add_done_callback(self._marking.discard)

    async def _mark(self, key: Key) -> None:
        assert self.redis is not None
        try:
            generation = int(await self.redis.eval(TOUCH, 1, _names(key)[1], str(KEY_LIFE_MS)))  # type: ignore[misc]
        except RedisError as error:  # without Redis this worker counts for itself (exact, maybe more often)
            logger.warning("tally generation for %s not taken: %s", key, error)
            generation = -1
        self.needed[key] = max(self.needed.get(key, 0), generation)
        self._schedule(key, self.window)

    def _schedule(self, key: Key, delay: float) -> None:
        task = self.pending.get(key)
        if task is not None and not task.done():
            return
        self.pending[key] = asyncio.get_running_loop().create_task(self._later(key, delay))

    async def _later(self, key: Key, delay: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(delay)
        async with self._turn(key):  # one tally of a step at a time on this worker, a window apart
            rest = self.recorded.get(key, -self.window) + self.window - loop.time()
            if rest > 0:
                await asyncio.sleep(rest)
            # Leave the window before counting: a vote committed from now on schedules the next update.
            self.pending.pop(key, None)
            try:
                counted = await self._claim(key)
                if counted is None:
                    return
                try:
                    await self.flush(*key)
                finally:
                    self.recorded[key] = loop.time()
                    await self._cool(key, counted)
            except RuntimeError as error:  # the app is shutting down (channels stopped): nobody to tell
                logger.warning("tally update for %s dropped: %s", key, error)
            except Exception:  # a lost update is repaired by the next one or a board reload
                logger.exception("tally update for %s failed", key)
            finally:
                self._forget(loop.time())

    def _turn(self, key: Key) -> asyncio.Lock:
        return self.turns.setdefault(key, asyncio.Lock())

    def _forget(self, now: float) -> None:
        """Steps quiet for a while leave no bookkeeping behind."""
        for key, at in list(self.recorded.items()):
            turn = self.turns.get(key)
            if now - at > FORGET_AFTER and key not in self.pending and (turn is None or not turn.locked()):
                self.recorded.pop(key, None)
                self.turns.pop(key, None)

    async def _claim(self, key: Key) -> int | None:
        """The generation this tally covers (-1: counted without Redis), or None when there is nothing to do now."""
        need = self.needed.pop(key, 0)
        if self.redis is None or need < 0:
            return -1
        lock, generation, covered = _names(key)
        try:
            answer = await self.redis.eval(CLAIM, 3, lock, generation, covered, str(LEASE_MS), str(need))  # type: ignore[misc]
        except RedisError as error:
            logger.warning("tally window for %s not claimed, counting anyway: %s", key, error)
            return -1
        verdict, value = int(answer[0]), int(answer[1])
        if verdict == 1:
            return value
        if verdict == 2:  # another worker counts in this window; it may have started before our dot
            self.needed[key] = max(self.needed.get(key, 0), need)
            self._schedule(key, min(max(value, 1) / 1000, self.window))  # a lease may be long, the cool-down not
        return None

    async def _cool(self, key: Key, counted: int) -> None:
        """After a tally (or a failed one): `covered` raised to what it counted, the cool-down window begins."""
        if self.redis is None or counted < 0:
            return
        lock, _generation, covered = _names(key)
        window = str(max(1, int(self.window * 1000)))
        with contextlib.suppress(RedisError):
            await self.redis.eval(COVER, 2, covered, lock, str(counted), str(KEY_LIFE_MS), window)  # type: ignore[misc]

    async def flush(self, workshop_id: UUID, position: int) -> None:
        async with unit_of_work(self.sessionmaker) as uow:
            await record_tally(uow.session, workshop_id, position)  # published once committed

    async def drain(self) -> None:
        for task in list(self._marking):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in list(self.pending.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
