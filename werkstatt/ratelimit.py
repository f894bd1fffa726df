"""Counting attempts across workers: Redis when configured (INCR + EXPIRE), else this process's memory."""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.asyncio import Redis

logger = logging.getLogger("werkstatt")
_memory: dict[str, tuple[float, int]] = {}


async def hit(app_state: Any, key: str, window_seconds: int) -> int:
    """Count one attempt for `key` in a fixed window; returns the count so far in this window."""
    redis: Redis | None = app_state.redis
    if redis is not None:
        try:
            full = f"werkstatt:rl:{key}"
            count = int(await redis.incr(full))
            if count == 1:
                await redis.expire(full, window_seconds)
            return count
        except Exception:  # Redis down: fall back to this worker's memory rather than refusing everyone
            logger.warning("rate limit: Redis unreachable, counting in memory")
    now = time.monotonic()
    started, count = _memory.get(key, (now, 0))
    if now - started > window_seconds:
        started, count = now, 0
    _memory[key] = (started, count + 1)
    if len(_memory) > 100_000:
        for stale in [k for k, (t, _c) in _memory.items() if now - t > window_seconds]:
            _memory.pop(stale, None)
    return count + 1


async def retry_after(app_state: Any, key: str, window_seconds: int) -> int:
    redis: Redis | None = app_state.redis
    if redis is not None:
        try:
            ttl = int(await redis.ttl(f"werkstatt:rl:{key}"))
            return max(ttl, 1)
        except Exception:  # see hit()
            logger.warning("rate limit: Redis unreachable, counting in memory")
    started, _ = _memory.get(key, (time.monotonic(), 0))
    return max(1, int(window_seconds - (time.monotonic() - started)))


def client_address(scope: Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def peek(app_state: Any, key: str, window_seconds: int) -> int:
    """The count in the current window, without counting."""
    redis: Redis | None = app_state.redis
    if redis is not None:
        try:
            return int(await redis.get(f"werkstatt:rl:{key}") or 0)
        except Exception:  # see hit()
            logger.warning("rate limit: Redis unreachable, counting in memory")
    started, count = _memory.get(key, (0.0, 0))
    return count if time.monotonic() - started <= window_seconds else 0
