"""Condition waits: a test waits for what it needs to see, not for a guessed time."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

POLL = 0.005


async def until(check: Callable[[], bool | Awaitable[bool]], within: float = 5.0, what: str = "the condition") -> float:
    """Wait until `check()` (sync or async) holds, polling, at most `within` seconds; returns the seconds it took."""
    started = time.monotonic()
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(POLL)
