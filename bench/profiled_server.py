"""`werkstatt serve` under a profiler, switched on and off by signals so that only the measured window counts.

    python -m bench.profiled_server cpu OUT.prof     SIGUSR1: start cProfile, SIGUSR2: stop and write OUT.prof
    python -m bench.profiled_server memory OUT.txt   SIGUSR1: tracemalloc snapshot, SIGUSR2: write what grew since
    python -m bench.profiled_server timers OUT.json  SIGUSR1: zero the timers, SIGUSR2: write them

`bench.fanout --profile OUT` (CPU, around the posting), `--memory OUT` (around the connecting) and `--timers OUT`
(around the posting) drive it. Only the event loop's thread is profiled (SQLite runs in aiosqlite's thread);
cProfile slows every Python call and does not see the event loop itself (uvloop), so read its shares, not
its times. The timers add about a microsecond per send; they take the whole process's CPU time, and the event
loop thread's CPU time (thread_time: time spent waiting for a core does not count) inside the hub's fan-out
(`Hub.deliver`), the server's websocket send (uvicorn), the transport's write (the syscall) and the garbage
collector's passes.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType


def cpu(out: str) -> None:
    profiler = cProfile.Profile()

    def start(_signum: int, _frame: FrameType | None) -> None:
        profiler.enable()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


def memory(out: str) -> None:
    tracemalloc.start(8)
    snapshots: list[tracemalloc.Snapshot] = []

    def before(_signum: int, _frame: FrameType | None) -> None:
        snapshots.append(tracemalloc.take_snapshot())

    def after(_signum: int, _frame: FrameType | None) -> None:
        import gc

        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        lines = []
        for key in ("filename", "lineno"):
            diff = snapshot.compare_to(snapshots[-1], key)
            lines.append(f"grown since the first snapshot, by {key}: {sum(d.size_diff for d in diff)} bytes")
            lines += [str(d) for d in diff[:40]]
        for stat in snapshot.compare_to(snapshots[-1], "traceback")[:25]:
            lines += ["", str(stat), *stat.traceback.format(most_recent_first=True)]
        Path(out).write_text("\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR1, before)
    signal.signal(signal.SIGUSR2, after)


def timers(out: str) -> None:
    import json
    import time
    from typing import Any

    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    from werkstatt.live.hub import Hub

    totals: dict[str, float] = {}

    def add(name: str, seconds: float) -> None:
        totals[name] = totals.get(name, 0.0) + seconds
        totals[name + "_calls"] = totals.get(name + "_calls", 0) + 1

    deliver = Hub.deliver

    def timed_deliver(self: Hub, room: Any, event: dict[str, Any]) -> None:
        start = time.thread_time()
        deliver(self, room, event)
        add("hub_deliver", time.thread_time() - start)

    send = WebSocketsSansIOProtocol.send

    async def timed_send(self: WebSocketsSansIOProtocol, message: Any) -> None:
        start = time.thread_time()
        await send(self, message)
        if message["type"] == "websocket.send":
            add("uvicorn_send", time.thread_time() - start)

    class TimedTransport:
        def __init__(self, transport: Any) -> None:
            self._transport = transport

        def write(self, data: bytes) -> None:
            start = time.thread_time()
            self._transport.write(data)
            add("transport_write", time.thread_time() - start)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._transport, name)

    made = WebSocketsSansIOProtocol.connection_made

    def timed_connection_made(self: WebSocketsSansIOProtocol, transport: Any) -> None:
        made(self, transport)
        self.transport = TimedTransport(self.transport)  # type: ignore[assignment]

    collecting = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[0] = time.thread_time()
        else:
            add(f"gc_gen{info['generation']}", time.thread_time() - collecting[0])

    import gc

    gc.callbacks.append(on_gc)
    Hub.deliver = timed_deliver  # type: ignore[method-assign]
    WebSocketsSansIOProtocol.send = timed_send  # type: ignore[method-assign]
    WebSocketsSansIOProtocol.connection_made = timed_connection_made  # type: ignore[method-assign]
    started = [0.0, 0.0]

    def start(_signum: int, _frame: FrameType | None) -> None:
        totals.clear()
        times = os.times()
        started[:] = [times.user, times.system]

    def stop(_signum: int, _frame: FrameType | None) -> None:
        times = os.times()
        report = {**totals, "process_user": times.user - started[0], "process_system": times.system - started[1]}
        Path(out).write_text(json.dumps(report))

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


if __name__ == "__main__":
    {"cpu": cpu, "memory": memory, "timers": timers}[sys.argv[1]](sys.argv[2])
    from werkstatt.cli import main

    main(["serve"], standalone_mode=False)
