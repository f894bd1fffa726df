"""A swarm of websocket clients in its own process, so that several processes can share the client load.

    python -m bench.clients SPEC.json OUT.json

SPEC: {"sockets": [[url, {header: value}], ...], "fetch": K}; a url may hold `{after}`, filled with the
socket's last seen seq (first from SPEC's "after"). The first K sockets behave like browsers: a frame that
asks for a fetch (hx-get with hx-trigger="load") makes them GET that page with their cookie; the answer is
recorded with the frame's seq and the tag "fetched" at the time it was complete. Every frame with a seq or a
card number is recorded (presence frames are only counted) as [socket, arrival (perf_counter, CLOCK_MONOTONIC:
comparable across processes), seq or -1, card number or -1, 1 if the frame would make a browser fetch over HTTP
(hx-trigger="load" or hx-get=) else 0, bytes, tag].
Commands on stdin, one a line, each answered on stdout:
    drop        close every socket (the last seen seq is kept)               → "dropped"
    rejoin      reopen every socket at once with after=<its last seq>       → "rejoined <ok> <failed> <t0>"
    stats       frames (presence included), open sockets, fetches under way, mean bytes of a card frame
                                                           → "stats <frames> <open> <fetching> <card bytes>"
    stop        write OUT and exit                                             → "done"
Not a test: a tool for bench.suite.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from typing import Any

import websockets

SEQ_HTML = re.compile(r"<!--seq:(\d+)-->")
CARD = re.compile(r"Karte #(\d+)")
FETCH = re.compile(r'hx-get="([^"]+)"')


def frame_events(text: str) -> list[tuple[int, str]]:
    """The numbered events in one frame: a JSON event, a JSON list of events, or HTML fragments each marked
    `<!--seq:N-->`. Frames without a seq (presence, pong) give none; a frame with a card but no seq gives -1."""
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return []
        if isinstance(data.get("seq"), int):
            return [(int(data["seq"]), str(data.get("type", "")))]
        return [(-1, str(data.get("type", "")))] if CARD.search(text) else []
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            return []
        return [
            (int(item["seq"]), str(item.get("type", "")))
            for item in data
            if isinstance(item, dict) and isinstance(item.get("seq"), int)
        ]
    found = [(int(number), "html") for number in SEQ_HTML.findall(text)]
    if not found and CARD.search(text):
        return [(-1, "html")]
    return found


class Swarm:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.urls: list[tuple[str, dict[str, str]]] = [(url, headers) for url, headers in spec["sockets"]]
        self.last_seq = [int(spec.get("after", 0))] * len(self.urls)
        self.records: list[list[Any]] = []
        self.sockets: list[Any] = [None] * len(self.urls)
        self.tasks: list[asyncio.Task[None] | None] = [None] * len(self.urls)
        self.failed = 0
        self.uncounted = 0  # frames without seq (presence), counted only
        self.fetchers = int(spec.get("fetch", 0))
        self.card_bytes = [0, 0]  # bytes and count of frames with one card (what the baseline imitates)
        self.fetching = 0
        self.http: Any = None

    async def open_all(self, batch: int) -> tuple[int, int]:
        self.failed = 0
        indexes = list(range(len(self.urls)))
        for start in range(0, len(indexes), batch):
            await asyncio.gather(*(self._open(index) for index in indexes[start : start + batch]))
        return sum(1 for socket in self.sockets if socket is not None), self.failed

    async def _open(self, index: int) -> None:
        url, headers = self.urls[index]
        try:
            socket = await websockets.connect(
                url.replace("{after}", str(self.last_seq[index])),
                additional_headers=headers,
                max_size=2**23,
                open_timeout=60,
                close_timeout=2,
                compression=None,
                ping_interval=None,
            )
        except (TimeoutError, OSError, websockets.WebSocketException):
            self.failed += 1
            return
        self.sockets[index] = socket
        self.tasks[index] = asyncio.create_task(self._read(index, socket))

    async def _read(self, index: int, socket: Any) -> None:
        record = self.records.append
        try:
            async for message in socket:
                now = time.perf_counter()
                text = message.decode() if isinstance(message, bytes) else message
                events = frame_events(text)  # [(seq, tag)]; several when the server batches events
                if not events:  # presence chatter: counted, not recorded
                    self.uncounted += 1
                    continue
                cards = list(dict.fromkeys(int(number) for number in CARD.findall(text)))  # a card named twice
                pull = 1 if ('hx-trigger="load"' in text or "hx-get=" in text) else 0
                seq = max(event_seq for event_seq, _tag in events)
                if pull and index < self.fetchers:
                    found_path = FETCH.search(text)
                    if found_path:
                        self.fetching += 1
                        asyncio.get_running_loop().create_task(self._fetch(index, found_path.group(1), seq))
                if seq > self.last_seq[index]:
                    self.last_seq[index] = seq
                if len(cards) == 1:
                    self.card_bytes[0] += len(text)
                    self.card_bytes[1] += 1
                if len(events) == 1 and len(cards) <= 1:
                    record([index, now, seq, cards[0] if cards else -1, pull, len(text), events[0][1]])
                    continue
                for event_seq, tag in events:
                    record([index, now, event_seq, -1, pull, len(text), tag])
                for card in cards:
                    record([index, now, -1, card, 0, len(text) // len(cards), "card"])
        except websockets.ConnectionClosed:
            pass
        self.sockets[index] = None

    async def _fetch(self, index: int, path: str, seq: int) -> None:
        """What htmx does on hx-trigger=load: GET the page with the browser's cookie."""
        import httpx

        url, headers = self.urls[index]
        base = "http" + url.split("://", 1)[0][2:] + "://" + url.split("://", 1)[1].split("/", 1)[0]
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=200))
        try:
            response = await self.http.get(
                base + path, headers={"Cookie": headers.get("Cookie", ""), "HX-Request": "true"}
            )
            self.records.append([index, time.perf_counter(), seq, -1, 0, len(response.content), "fetched"])
        except Exception:  # a failed fetch is recorded as such
            self.records.append([index, time.perf_counter(), seq, -1, 0, 0, "fetch-failed"])
        finally:
            self.fetching -= 1

    async def drop(self) -> None:
        sockets = [socket for socket in self.sockets if socket is not None]
        await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
        await asyncio.gather(*(task for task in self.tasks if task is not None), return_exceptions=True)
        self.sockets = [None] * len(self.urls)

    def open_count(self) -> int:
        return sum(1 for socket in self.sockets if socket is not None)


async def main(spec_path: str, out_path: str) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    spec = json.loads(open(spec_path).read())  # noqa: ASYNC230, SIM115 - read once at start
    swarm = Swarm(spec)
    opened, failed = await swarm.open_all(int(spec.get("batch", 50)))
    print(f"ready {opened} {failed}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if line in {"", "stop"}:
            break
        if line == "drop":
            await swarm.drop()
            print("dropped", flush=True)
        elif line == "rejoin":
            started = time.perf_counter()
            opened, failed = await swarm.open_all(len(swarm.urls))
            print(f"rejoined {opened} {failed} {started}", flush=True)
        elif line == "stats":
            frames, card_size = len(swarm.records) + swarm.uncounted, swarm.card_bytes[0] // max(swarm.card_bytes[1], 1)
            print(f"stats {frames} {swarm.open_count()} {swarm.fetching} {card_size}", flush=True)
    await swarm.drop()
    if swarm.http is not None:
        await swarm.http.aclose()
    with open(out_path, "w") as out:  # noqa: ASYNC230 - written once at the end
        json.dump({"records": swarm.records, "last_seq": swarm.last_seq, "presence": swarm.uncounted}, out)
    print("done", flush=True)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main(sys.argv[1], sys.argv[2]))
    except ImportError:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
