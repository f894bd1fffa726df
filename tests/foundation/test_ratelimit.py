"""The atomic limiter: the same answers from Redis (one Lua call per check) and from memory, keys that always
expire, and no overshoot when many check at once (two Redis clients stand for two workers)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from werkstatt.ratelimit import PREFIX, Limiter


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    limiter: Limiter
    clock: Clock
    redis: Redis | None
    second: Limiter  # another worker on the same counters (memory: the same limiter)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    clock = Clock()
    if request.param == "memory":
        limiter = Limiter(clock=clock)
        yield Backend(limiter, clock, None, limiter)
        return
    url = request.getfixturevalue("redis_url")
    first, other = Redis.from_url(url), Redis.from_url(url)
    try:
        yield Backend(Limiter(first, clock=clock), clock, first, Limiter(other, clock=clock))
    finally:
        await first.aclose()
        await other.aclose()


def fresh(name: str) -> str:
    return f"test:{name}:{uuid.uuid4().hex}"


async def test_burst_then_refusal_then_refill(backend: Backend) -> None:
    key, limiter = fresh("bucket"), backend.limiter
    taken = [await limiter.take(key, burst=5, interval=2.0) for _ in range(5)]
    assert [d.allowed for d in taken] == [True] * 5
    assert [d.remaining for d in taken] == [4, 3, 2, 1, 0]
    refused = await limiter.take(key, burst=5, interval=2.0)
    assert not refused.allowed and refused.retry_after == 2
    backend.clock.now += 1.0
    assert (await limiter.take(key, burst=5, interval=2.0)).retry_after == 1, "a refusal does not push it back"
    backend.clock.now += 1.0
    assert (await limiter.take(key, burst=5, interval=2.0)).allowed, "one card every 2 s after the burst"
    assert not (await limiter.take(key, burst=5, interval=2.0)).allowed
    backend.clock.now += 60
    assert [(await limiter.take(key, burst=5, interval=2.0)).allowed for _ in range(6)] == [True] * 5 + [False]


async def test_parallel_takes_from_two_workers_never_overshoot(backend: Backend) -> None:
    key = fresh("parallel")
    decisions = await asyncio.gather(
        *((backend.limiter if index % 2 else backend.second).take(key, burst=5, interval=2.0) for index in range(60))
    )
    assert sum(d.allowed for d in decisions) == 5
    assert all(d.retry_after >= 1 for d in decisions if not d.allowed)


@pytest.mark.redis
async def test_every_redis_key_has_an_expiry(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    limiter = Limiter(redis)
    bucket, window, seats = fresh("ttl-bucket"), fresh("ttl-window"), fresh("ttl-seats")
    try:
        await limiter.take(bucket, burst=5, interval=2.0)
        await asyncio.gather(*(limiter.hit(window, 600) for _ in range(20)))
        await limiter.admit(seats, "socket-a", 3)
        ttls = [await redis.pttl(PREFIX + key) for key in (bucket, window, seats)]
    finally:
        await redis.aclose()
    assert 0 < ttls[0] <= 2000, "a bucket lives until it is full again"
    assert 590_000 < ttls[1] <= 600_000, "the window ends 10 minutes after its first attempt, not its last"
    assert ttls[2] > 0


async def test_fixed_window_counts_peeks_and_tells_when_to_retry(backend: Backend) -> None:
    key, limiter = fresh("window"), backend.limiter
    assert (await limiter.peek(key, 600)).count == 0
    counts = [(await limiter.hit(key, 600)).count for _ in range(3)]
    assert counts == [1, 2, 3]
    seen = await limiter.peek(key, 600)
    assert seen.count == 3 and 590 <= seen.retry_after <= 600
    assert (await limiter.peek(key, 600)).count == 3, "peeking does not count"


async def test_fixed_window_starts_over_when_it_ends() -> None:
    clock = Clock()
    limiter = Limiter(clock=clock)
    for _ in range(3):
        await limiter.hit("join-fail:1.2.3.4", 600)
    clock.now += 601
    assert (await limiter.peek("join-fail:1.2.3.4", 600)).count == 0
    assert (await limiter.hit("join-fail:1.2.3.4", 600)).count == 1


async def test_a_fourth_seat_pushes_out_the_oldest(backend: Backend) -> None:
    key, limiter = fresh("seats"), backend.limiter
    for index, member in enumerate(("a", "b", "c")):
        backend.clock.now += 1
        assert await limiter.admit(key, member, 3) == [], f"seat {index + 1} of 3"
    backend.clock.now += 1
    assert await backend.second.admit(key, "d", 3) == ["a"]
    await limiter.release(key, "b")
    backend.clock.now += 1
    assert await limiter.admit(key, "e", 3) == [], "a released seat is free again"
    backend.clock.now += 1
    assert await limiter.admit(key, "f", 3) == ["c"]


async def test_the_newest_seat_is_kept_even_on_the_same_tick(backend: Backend) -> None:
    key = fresh("tie")
    assert await backend.limiter.admit(key, "z", 1) == []
    assert await backend.limiter.admit(key, "a", 1) == ["z"]
