"""A reader that stops reading, through a real server (uvicorn, websockets-sansio, as `werkstatt serve`): the
fan-out's direct send has to wait once the server's write buffer is full, a writer task takes it over, the
bounded backlog overflows into one resync, and once the reader reads again it gets everything up to the
overflow in order, the resync, then live news sent directly again, and the close."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
import websockets
from litestar import Litestar, WebSocket, websocket

from werkstatt.live import hub as hub_module
from werkstatt.live.hub import Connection
from werkstatt.live.visibility import Viewer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_reader_that_stops_reading_gets_one_resync_and_then_news_again(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_LIMIT", 20)
    overflowed, reading, seen = asyncio.Event(), asyncio.Event(), {}

    @websocket("/live")
    async def live(socket: WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        conn = Connection(socket=socket, viewer=Viewer("w", "participant", "p"), resync=lambda viewer: "resync")
        conn.buffering = False
        seq = 0
        while not conn.overflowed and seq < 50_000:
            seq += 1
            conn.offer(f"{seq:06d}" + "x" * 1000, seq)
            if seq % 50 == 0:
                await asyncio.sleep(0.001)
        seen["writer while full"] = conn.writer is not None
        overflowed.set()
        await reading.wait()
        for _ in range(1000):
            if conn.writer is None:
                break
            await asyncio.sleep(0.01)
        seen["writer when drained"] = conn.writer
        conn.offer("live", seq + 1)
        conn.close(1000)
        await conn.finish()

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(Litestar([live]), port=port, ws="websockets-sansio", log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for it)
            await asyncio.sleep(0.01)
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", port))
        raw.setblocking(False)
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/live", sock=raw, max_size=None, compression=None, max_queue=1
        ) as client:
            client.transport.pause_reading()
            await asyncio.wait_for(overflowed.wait(), timeout=30)
            client.transport.resume_reading()
            reading.set()
            got = [str(message)[:6] async for message in client]
    finally:
        server.should_exit = True
        await serving
    assert seen == {"writer while full": True, "writer when drained": None}
    assert got[-2:] == ["resync", "live"]
    numbers = [int(text) for text in got[:-2]]
    assert numbers == list(range(1, len(numbers) + 1))
