"""The hub's per-socket ordering: swapped arrivals from two workers are put back in order, duplicates are
dropped, a gap that does not fill turns into a resync instead of a silently missing card."""

from __future__ import annotations

import asyncio
from typing import Any

from werkstatt.live import hub as hub_module
from werkstatt.live.hub import RESYNC, Connection
from werkstatt.live.visibility import Viewer


def connection(last_seq: int = 0) -> Connection:
    return Connection(socket=None, viewer=Viewer("w", "participant", "p"), last_seq=last_seq)  # type: ignore[arg-type]


def drained(conn: Connection) -> list[Any]:
    items = []
    while not conn.queue.empty():
        items.append(conn.queue.get_nowait())
    return items


async def test_swapped_events_are_delivered_in_order_once() -> None:
    conn = connection(last_seq=3)
    conn.offer("five", 5)
    conn.offer("four", 4)
    conn.offer("four-again", 4)
    conn.offer("three", 3)
    conn.offer("presence", None)
    conn.offer("six", 6)
    assert drained(conn) == ["four", "five", "presence", "six"]
    assert conn.last_seq == 6
    assert conn.gap_timer is None


async def test_unfilled_gap_becomes_a_resync(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "GAP_WAIT", 0.05)
    conn = connection(last_seq=1)
    conn.offer("three", 3)
    assert drained(conn) == []
    await asyncio.sleep(0.1)
    assert drained(conn) == [RESYNC]
    assert conn.last_seq == 3
    conn.offer("four", 4)
    assert drained(conn) == ["four"]


async def test_a_full_queue_is_replaced_by_one_resync(monkeypatch: Any) -> None:
    conn = connection()
    conn.queue = asyncio.Queue(3)
    for seq in range(1, 6):
        conn.offer(f"event {seq}", seq)
    assert drained(conn) == [RESYNC]
    assert conn.overflowed
