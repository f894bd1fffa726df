"""A socket's outbox: payloads go straight onto an idle socket from the fan-out loop (no task, no queue);
a send that has to wait hands over to one writer task that keeps the order and leaves when it is done; one
frame per payload; a gone peer or a closing socket gets nothing more."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.board.test_hub import FakeSocket, connection
from tests.waiting import until
from werkstatt.live import hub as hub_module
from werkstatt.live.hub import Connection
from werkstatt.live.visibility import Viewer


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_idle_socket_is_written_at_once_without_a_task() -> None:
    conn, socket = connection()
    tasks = len(asyncio.all_tasks())
    conn.offer('{"seq":1}', 1)
    assert socket.sent == ['{"seq":1}']
    assert conn.writer is None and conn.backlog is None
    assert len(asyncio.all_tasks()) == tasks


async def test_a_waiting_send_hands_over_to_one_writer_that_keeps_the_order() -> None:
    conn, socket = connection()
    socket.writable.clear()
    for seq in range(1, 5):
        conn.offer(f"e{seq}", seq)
    conn.offer("presence", None)
    assert socket.sent == []
    writer = conn.writer
    assert writer is not None
    socket.writable.set()
    await writer
    assert socket.sent == ["e1", "e2", "e3", "e4", "presence"]
    assert conn.writer is None and conn.backlog is None
    conn.offer("e5", 5)  # idle again: direct
    assert socket.sent[-1] == "e5"
    assert conn.writer is None


async def test_html_fragments_stay_one_frame_each() -> None:
    """board.js reads one seq per frame (its start) and drops a frame as a whole: no batching."""
    conn, socket = connection(fmt="html")
    socket.writable.clear()
    for seq in range(1, 4):
        conn.offer(f"<!--seq:{seq}--><div></div>", seq)
    socket.writable.set()
    await settle()
    assert socket.sent == [f"<!--seq:{seq}--><div></div>" for seq in range(1, 4)]


async def test_a_resync_waiting_in_the_backlog_is_rendered_when_it_is_sent(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "GAP_WAIT", 0.01)
    conn, socket = connection()
    socket.writable.clear()
    conn.offer("e1", 1)
    conn.offer("e3", 3)  # a gap that does not fill
    await until(lambda: conn.gap_timer is None, what="the gap wait ends")
    assert list(conn.backlog or []) == [hub_module.RESYNC]
    socket.writable.set()
    await settle()
    assert socket.sent == ["e1", "fresh board"]


async def test_close_goes_after_the_backlog_and_nothing_follows_it() -> None:
    conn, socket = connection()
    socket.writable.clear()
    conn.offer("e1", 1)
    conn.offer("e2", 2)
    conn.close(4403)
    conn.offer("e3", 3)
    conn.close(1000)
    socket.writable.set()
    await conn.finish()
    assert socket.sent == ["e1", "e2"]
    assert socket.closed == 4403
    assert conn.writer is None


async def test_closing_an_idle_socket() -> None:
    conn, socket = connection()
    conn.close(1000)
    conn.offer("e1", 1)
    await conn.finish()
    assert socket.closed == 1000
    assert socket.sent == []


async def test_a_peer_that_never_reads_is_given_up_after_the_close_wait(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "CLOSE_WAIT", 0.05)
    conn, socket = connection()
    socket.writable.clear()
    conn.offer("e1", 1)
    writer = conn.writer
    assert writer is not None
    conn.close(1000)
    await conn.finish()
    assert writer.cancelled()
    assert socket.sent == [] and socket.closed is None
    assert conn.writer is None


async def test_a_failed_send_ends_sending_quietly() -> None:
    class Gone(FakeSocket):
        async def send(self, message: dict[str, Any]) -> None:
            raise RuntimeError("peer gone")

    socket = Gone()
    conn = Connection(socket=socket, viewer=Viewer("w", "participant", "p"))  # type: ignore[arg-type]
    conn.offer("e1", 1)
    conn.offer("e2", 2)
    assert conn.gone and conn.writer is None and conn.backlog is None
    conn.close(1000)
    await conn.finish()
    assert socket.closed == 1000


async def test_a_send_failing_after_waiting_ends_the_writer_quietly() -> None:
    conn, socket = connection()
    socket.writable.clear()
    conn.offer("e1", 1)
    conn.offer("e2", 2)
    writer = conn.writer
    assert writer is not None

    async def gone(message: dict[str, Any]) -> None:
        raise RuntimeError("peer gone")

    socket.send = gone  # type: ignore[method-assign]
    socket.writable.set()
    await writer
    assert socket.sent == ["e1"]
    assert conn.gone and conn.writer is None
    conn.offer("e3", 3)
    assert socket.sent == ["e1"]
