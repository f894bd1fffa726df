"""The hub's own share of a delivery, without sockets, HTTP or a second process: CPU per delivered message.

N connections of one room get E events through `Hub.deliver`; each connection sits on a real Litestar
`WebSocket` whose ASGI send goes through two middleware-like wrappers (as Litestar's exception middleware
adds) into what uvicorn's websockets-sansio send does before the syscall: `await writable.wait()`, encode,
frame with the `websockets` protocol, join. The syscall itself is left out. So the figure is hub + Litestar +
framing, the part the hub's code decides; `bench.fanout` measures the whole thing.

    python -m bench.hub_path [--connections 500] [--events 200] [--root DIR]

`--root` imports `werkstatt` from another checkout (e.g. an export of an older commit), to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any


def make_socket(counter: list[int]) -> Any:
    from litestar.connection import WebSocket
    from websockets.protocol import State
    from websockets.server import ServerProtocol

    protocol = ServerProtocol(state=State.OPEN)
    writable = asyncio.Event()
    writable.set()

    async def server_send(message: Any) -> None:  # uvicorn's send minus transport.write
        await writable.wait()
        text = message.get("text")
        protocol.send_text(text.encode())
        counter[0] += len(b"".join(protocol.data_to_send()))

    async def middleware_send(message: Any) -> None:
        if message["type"] == "http.response.start":
            pass
        await server_send(message)

    async def outer_send(message: Any) -> None:
        if message["type"] == "http.response.start":
            pass
        await middleware_send(message)

    scope: Any = {"type": "websocket", "path": "/", "headers": [], "query_string": b""}
    socket: WebSocket[Any, Any, Any] = WebSocket(scope, send=outer_send)
    socket.connection_state = "receive"
    return socket


async def run(connections: int, events: int) -> float:
    from werkstatt.board.fragments import render_event, render_presence, render_resync
    from werkstatt.live import hub as hub_module
    from werkstatt.live.visibility import Viewer

    class Channels:
        def publish(self, data: bytes, channels: list[str]) -> None:
            pass

    hub = hub_module.Hub(Channels(), render_event, render_presence)  # type: ignore[arg-type]
    room = hub_module.Room("w")
    counter = [0]
    writers = []
    for index in range(connections):
        viewer = Viewer("w", "participant", f"p{index}", format="json")
        connection = hub_module.Connection(socket=make_socket(counter), viewer=viewer)
        if hasattr(hub_module, "writer"):  # before: a writer task per socket
            writers.append(asyncio.create_task(hub_module.writer(connection, lambda c: render_resync(c.viewer))))
        else:
            connection.resync = render_resync
        hub.release(connection, 0)
        room.connections.add(connection)
    text = "Karte – mehr Bänke und Schatten am Marktplatz " * 4
    payloads = [
        {
            "workshop_id": "w",
            "seq": seq,
            "type": "idea_posted",
            "at": "2026-11-22T10:00:00+00:00",
            "data": {"idea": {"id": f"i{seq}", "text": text, "author_id": "p0", "step": 0, "blind": False}},
        }
        for seq in range(1, events + 1)
    ]
    await asyncio.sleep(0)
    start = time.process_time()
    for event in payloads:
        hub.deliver(room, json.loads(json.dumps(event)))
        await asyncio.sleep(0)  # let writer tasks (if any) run, as the event loop would between events
        while any(not c.queue.empty() for c in room.connections if hasattr(c, "queue")):  # noqa: ASYNC110
            await asyncio.sleep(0)
    spent = time.process_time() - start
    for task in writers:
        task.cancel()
    delivered = connections * events
    assert counter[0] > 0 and hub.delivered == delivered, (counter, hub.delivered)
    return 1e6 * spent / delivered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.root is not None:
        sys.path.insert(0, str(args.root.resolve()))
    import uvloop

    import werkstatt

    results = sorted(uvloop.run(run(args.connections, args.events)) for _ in range(args.repeat))
    print(f"{werkstatt.__file__}: {results[len(results) // 2]:.2f} µs CPU per delivery (median of {args.repeat})")


if __name__ == "__main__":
    main()
