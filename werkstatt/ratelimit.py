"""Counting attempts and posts across workers: one atomic Redis call per check when Redis is configured (a Lua
script that also sets the expiry, so no key is ever left without one), else this process's memory with the
same arithmetic (the embedded mode, or Redis unreachable: then each worker counts for itself rather than
refusing everyone).

Three shapes:
- a fixed window (`hit`, `peek`, `retry_after`): "at most N wrong join codes per 10 minutes";
- a token bucket (`Limiter.take`): a burst, then one more every `interval` seconds, kept as one number per key,
  the time at which the bucket is full again (GCRA). A refused take changes nothing;
- seats (`Limiter.admit`/`release`): at most N holders per key, a new one pushes out the oldest (live sockets
  of one participant).

Both use the worker's wall clock (the bucket) or Redis's own expiry (the window), so all workers of one
Redis agree."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

logger = logging.getLogger("werkstatt")

PREFIX = "werkstatt:rl:"
MEMORY_KEYS = 100_000  # past this many keys, expired ones are dropped

# KEYS[1] bucket; ARGV: now (s), interval (s per token), burst, cost. Returns {allowed, wait ms, tokens left}.
_TAKE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local full_at = tonumber(redis.call('GET', KEYS[1]) or '0')
if full_at < now then full_at = now end
local after = full_at + interval * cost
local allowed_from = after - interval * burst
if now < allowed_from then
  return {0, math.ceil((allowed_from - now) * 1000), math.floor((now - (full_at - interval * burst)) / interval)}
end
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', math.max(1, math.ceil((after - now) * 1000)))
return {1, 0, math.floor((now - allowed_from) / interval)}
"""

# KEYS[1] counter; ARGV[1] window (ms). Returns {count, ms until the window ends}.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""

# KEYS[1] sorted set of holders; ARGV: now, member, limit, ttl (ms). Returns the members pushed out (oldest first).
_ADMIT = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local evicted = {}
if over > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, over)) do
    if m ~= ARGV[2] and #evicted < over then table.insert(evicted, m) end
  end
  redis.call('ZREM', KEYS[1], unpack(evicted))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return evicted
"""

_PEEK = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
return {count, redis.call('PTTL', KEYS[1])}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer of one check: allowed or not, and when to try again (whole seconds, at least 1 when refused)."""

    allowed: bool
    retry_after: int = 0
    remaining: int = 0


@dataclass(frozen=True, slots=True)
class Window:
    count: int
    retry_after: int  # seconds until the window ends (at least 1)


def _seconds(milliseconds: float) -> int:
    return max(1, math.ceil(milliseconds / 1000))


@dataclass
class Limiter:
    """Atomic counters: Redis when given (all workers share them), else memory (one process)."""

    redis: Redis | None = None
    clock: Callable[[], float] = time.time
    _buckets: dict[str, float] = field(default_factory=dict)  # key → when the bucket is full again
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # key → (window end, count)
    _seats: dict[str, dict[str, float]] = field(default_factory=dict)  # key → {member: since}
    _scripts: dict[str, Any] = field(default_factory=dict)

    def _script(self, name: str, source: str) -> Any:
        assert self.redis is not None
        if name not in self._scripts:
            self._scripts[name] = self.redis.register_script(source)
        return self._scripts[name]

    async def take(self, key: str, *, burst: int, interval: float, cost: int = 1) -> Decision:
        """Take `cost` tokens from the bucket `key` (holds `burst`, one more every `interval` seconds)."""
        now = self.clock()
        if self.redis is not None:
            try:
                allowed, wait_ms, left = await self._script("take", _TAKE)(
                    keys=[PREFIX + key], args=[f"{now:.6f}", interval, burst, cost]
                )
                return Decision(bool(allowed), _seconds(int(wait_ms)) if not allowed else 0, max(0, int(left)))
            except Exception:  # Redis down: count in this worker's memory rather than refusing everyone
                logger.warning("rate limit: Redis unreachable, counting in memory")
        full_at = max(self._buckets.get(key, now), now)
        after = full_at + interval * cost
        allowed_from = after - interval * burst
        if now < allowed_from:
            left = math.floor((now - (full_at - interval * burst)) / interval)
            return Decision(False, _seconds((allowed_from - now) * 1000), max(0, left))
        self._buckets[key] = after
        self._prune(now)
        return Decision(True, 0, max(0, math.floor((now - allowed_from) / interval)))

    async def hit(self, key: str, window_seconds: int) -> Window:
        """Count one attempt in a fixed window that starts with the first attempt."""
        if self.redis is not None:
            try:
                count, ttl = await self._script("hit", _HIT)(keys=[PREFIX + key], args=[window_seconds * 1000])
                return Window(int(count), _seconds(int(ttl)))
            except Exception:  # see take()
                logger.warning("rate limit: Redis unreachable, counting in memory")
        now = self.clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_seconds, 0
        self._windows[key] = (ends, count + 1)
        self._prune(now)
        return Window(count + 1, _seconds((ends - now) * 1000))

    async def peek(self, key: str, window_seconds: int) -> Window:
        """The count in the current window, without counting."""
        if self.redis is not None:
            try:
                count, ttl = await self._script("peek", _PEEK)(keys=[PREFIX + key])
                return Window(int(count), _seconds(int(ttl)) if int(ttl) > 0 else window_seconds)
            except Exception:  # see take()
                logger.warning("rate limit: Redis unreachable, counting in memory")
        now = self.clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            return Window(0, window_seconds)
        return Window(count, _seconds((ends - now) * 1000))

    async def admit(self, key: str, member: str, limit: int, ttl_seconds: int = 86_400) -> list[str]:
        """Seat `member` under `key` (at most `limit` seats, the newest kept); returns whom it pushed out.
        A holder that vanished without `release` (its worker died) is simply the oldest and goes first."""
        now = self.clock()
        if self.redis is not None:
            try:
                evicted = await self._script("admit", _ADMIT)(
                    keys=[PREFIX + key], args=[f"{now:.6f}", member, limit, ttl_seconds * 1000]
                )
                return [m.decode() if isinstance(m, bytes) else str(m) for m in evicted]
            except Exception:  # see take()
                logger.warning("rate limit: Redis unreachable, counting in memory")
        seats = self._seats.setdefault(key, {})
        seats[member] = now
        others = sorted((m for m in seats if m != member), key=lambda m: (seats[m], m))
        oldest = others[: max(0, len(seats) - limit)]
        for gone in oldest:
            del seats[gone]
        return oldest

    async def release(self, key: str, member: str) -> None:
        if self.redis is not None:
            try:
                await self.redis.zrem(PREFIX + key, member)
                return
            except Exception:  # see take()
                logger.warning("rate limit: Redis unreachable, counting in memory")
        seats = self._seats.get(key)
        if seats is not None:
            seats.pop(member, None)
            if not seats:
                del self._seats[key]

    def _prune(self, now: float) -> None:
        if len(self._buckets) > MEMORY_KEYS:
            self._buckets = {k: v for k, v in self._buckets.items() if v > now}
        if len(self._windows) > MEMORY_KEYS:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}


def client_address(scope: Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
