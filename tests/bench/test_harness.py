"""The benchmark harness measures what it claims: every broadcast reaches every client socket of a swarm in
its own process, latencies are matched per card, and a stalled client is admitted and then never reads."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.harness import start_baseline
from bench.suite import Run, baseline_fanout, deliveries, stalled_socket


def test_deliveries_count_the_first_arrival_of_each_card_per_socket() -> None:
    records = [
        [0, 1.010, 5, 1, 0, 100, "idea_posted"],
        [0, 1.500, 5, 1, 0, 100, "idea_posted"],  # a repeat (replay) does not count twice
        [1, 1.020, 5, 1, 0, 100, "idea_posted"],
        [1, 1.030, 6, 9, 0, 100, "idea_posted"],  # a card not sent in this window
    ]
    latencies, first = deliveries(records, {1: 1.0})
    assert sorted(round(value) for value in latencies) == [10, 20]
    assert set(first) == {(0, 1), (1, 1)}


@pytest.mark.multiprocess
async def test_a_baseline_window_reaches_every_socket(tmp_path: Path) -> None:
    args = argparse.Namespace(rate=20.0, seconds=0.5, client_processes=2, scale=1.0)
    result, live = await baseline_fanout(Run(args, tmp_path), sockets=6, payload=300)
    assert live.opened == 6
    assert result.expected == 6 * 10
    assert result.delivered == result.expected
    assert result.p99 > 0


@pytest.mark.multiprocess
async def test_a_stalled_client_completes_the_handshake() -> None:
    server = await start_baseline()
    try:
        stalled = stalled_socket(server, "/", {})
        assert stalled.fileno() > 0
        stalled.close()
    finally:
        server.stop()
