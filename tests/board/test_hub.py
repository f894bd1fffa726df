"""The hub's per-socket ordering: swapped arrivals from two workers are put back in order, duplicates are
dropped, a gap that does not fill turns into a resync instead of a silently missing card, and a reader too
slow for its backlog gets one resync instead of everything it missed."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.waiting import until
from werkstatt.live import hub as hub_module
from werkstatt.live.hub import Connection
from werkstatt.live.visibility import Viewer

FRESH = "fresh board"


class FakeSocket:
    """Records what the connection sends; like uvicorn's, a send waits while the socket is not writable."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: int | None = None
        self.writable = asyncio.Event()
        self.writable.set()

    async def send(self, message: dict[str, Any]) -> None:
        await self.writable.wait()
        assert message["type"] == "websocket.send" and message["bytes"] is None
        self.sent.append(message["text"])

    async def close(self, code: int = 1000) -> None:
        self.closed = code


def connection(last_seq: int = 0, fmt: str = "json") -> tuple[Connection, FakeSocket]:
    socket = FakeSocket()
    conn = Connection(
        socket=socket,  # type: ignore[arg-type]
        viewer=Viewer("w", "participant", "p", format=fmt),
        last_seq=last_seq,
        resync=lambda viewer: FRESH,
    )
    return conn, socket


async def test_swapped_events_are_delivered_in_order_once() -> None:
    conn, socket = connection(last_seq=3)
    conn.offer("five", 5)
    conn.offer("four", 4)
    conn.offer("four-again", 4)
    conn.offer("three", 3)
    conn.offer("presence", None)
    conn.offer("six", 6)
    assert socket.sent == ["four", "five", "presence", "six"]
    assert conn.last_seq == 6
    assert conn.gap_timer is None


async def test_unfilled_gap_becomes_a_resync(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "GAP_WAIT", 0.05)
    conn, socket = connection(last_seq=1)
    conn.offer("three", 3)
    assert socket.sent == []
    await until(lambda: socket.sent != [], what="the gap timer")
    assert socket.sent == [FRESH]
    assert conn.last_seq == 3
    conn.offer("four", 4)
    assert socket.sent == [FRESH, "four"]


async def test_a_full_backlog_is_replaced_by_one_resync(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_LIMIT", 3)
    conn, socket = connection()
    socket.writable.clear()  # the peer does not read
    for seq in range(1, 7):
        conn.offer(f"event {seq}", seq)
    assert conn.overflowed
    assert conn.writer is not None
    assert list(conn.backlog or []) == [hub_module.RESYNC]
    socket.writable.set()
    await until(lambda: conn.writer is None, what="the writer drains the backlog and leaves")
    assert socket.sent == ["event 1", FRESH]
    assert not conn.overflowed
    assert conn.writer is None
    conn.offer("event 7", 7)
    assert socket.sent == ["event 1", FRESH, "event 7"]
