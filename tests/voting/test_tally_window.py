"""Tally coalescing across workers: two batchers (two workers) sharing one Redis record at most one tally per
window and step, and the last tally counts every vote, also one that arrives while a tally is being counted."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.waiting import until
from werkstatt.voting.batch import TallyBatcher

pytestmark = pytest.mark.redis


class CountingBatcher(TallyBatcher):
    """Instead of counting the database, a tally reads the shared number of committed votes."""

    def __init__(self, redis: Redis, votes: list[int], tallies: list[tuple[float, int]]) -> None:
        super().__init__(None, None, redis=redis)  # type: ignore[arg-type]
        self.votes = votes
        self.tallies = tallies

    async def flush(self, workshop_id: uuid.UUID, position: int) -> None:
        counted = self.votes[0]
        await asyncio.sleep(0.02)  # counting takes a moment; votes go on meanwhile
        self.tallies.append((asyncio.get_running_loop().time(), counted))


async def test_two_workers_record_at_most_five_tallies_a_second_and_count_every_vote(redis_url: str) -> None:
    votes, tallies = [0], []  # type: tuple[list[int], list[tuple[float, int]]]
    clients = [Redis.from_url(redis_url), Redis.from_url(redis_url)]
    workers = [CountingBatcher(client, votes, tallies) for client in clients]
    workshop = uuid.uuid4()
    try:
        for n in range(500):  # 500 votes in about 1.5 s, alternating between the workers
            votes[0] += 1  # committed …
            workers[n % 2].touch(workshop, 1)  # … then the tally is asked for
            await asyncio.sleep(0.003)
        await until(
            lambda: bool(tallies) and tallies[-1][1] == 500 and not any(w.pending or w._marking for w in workers),
            within=10,
            what="the last vote counted and no tally owed",
        )
    finally:
        for worker in workers:
            await worker.drain()
        for client in clients:
            await client.aclose()
    times = [at for at, _ in tallies]
    assert tallies[-1][1] == 500, tallies[-3:]
    assert all(later - earlier > 0.2 for earlier, later in itertools.pairwise(times)), times
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 5
    assert len(tallies) >= 3, "a long burst is counted several times along the way, not only at its end"


async def test_without_redis_one_worker_keeps_the_same_spacing() -> None:
    votes, tallies = [0], []  # type: tuple[list[int], list[tuple[float, int]]]
    worker = CountingBatcher(None, votes, tallies)  # type: ignore[arg-type]
    workshop: Any = uuid.uuid4()
    for _ in range(300):
        votes[0] += 1
        worker.touch(workshop, 1)
        await asyncio.sleep(0.003)
    while worker.pending:
        await worker.drain()
    times = [at for at, _ in tallies]
    assert tallies[-1][1] == 300
    assert all(later - earlier >= 0.2 for earlier, later in itertools.pairwise(times)), times
