"""One guest floods a running instance, as a user could: first over HTTP, then over 40 parallel websockets.
Prints how many cards were accepted and how many refused (and why), and what another guest's reads of the
board cost meanwhile (p50/p99 against the same reads while idle). Not a test: it prints figures.

    python -m bench.flood http://127.0.0.1:8000 coach@werkstatt.example werkstatt-demo [seconds] [sockets]

Needs a coach account (`werkstatt demo` makes one); it creates its own workshop with one collect step."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import httpx
import websockets

AGENDA = [{"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {"max_length": 280}}}]


async def setup(base: str, email: str, password: str) -> tuple[str, str, str]:
    """The workshop id, its join code and the coach's token."""
    async with httpx.AsyncClient(base_url=base) as http:
        token = (await http.post("/api/auth/token", json={"email": email, "password": password})).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        network = (await http.get("/api/networks", headers=auth)).json()[0]["id"]
        town = (await http.get(f"/api/networks/{network}/towns", headers=auth)).json()[0]["id"]
        created = await http.post(
            "/api/workshops", json={"town_id": town, "title": "Flutprobe", "agenda": AGENDA}, headers=auth
        )
        workshop = created.json()
        started = await http.post(
            f"/api/workshops/{workshop['id']}/commands", json={"type": "start_step", "step": 0}, headers=auth
        )
        assert started.status_code == 200, started.text
        return str(workshop["id"]), str(workshop["join_code"]), token


async def guest(base: str, code: str, name: str) -> str:
    async with httpx.AsyncClient(base_url=base) as http:
        joined = await http.post("/api/join", json={"code": code, "display_name": name})
        return str(joined.json()["token"])


async def flood_http(base: str, workshop: str, token: str, seconds: float, parallel: int = 8) -> Counter[str]:
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=parallel)
    async with httpx.AsyncClient(base_url=base, limits=limits, headers={"Authorization": f"Bearer {token}"}) as http:

        async def loop(worker: int) -> None:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                response = await http.post(f"/api/workshops/{workshop}/ideas", json={"text": f"Flut {worker}/{n}"})
                seen[str(response.status_code)] += 1

        await asyncio.gather(*(loop(worker) for worker in range(parallel)))
    return seen


async def flood_sockets(base: str, workshop: str, token: str, seconds: float, count: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    url = base.replace("http", "ws", 1) + f"/api/workshops/{workshop}/live?after=-1"
    deadline = time.monotonic() + seconds

    async def one(index: int) -> None:
        try:
            async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
                n = 0
                while time.monotonic() < deadline:
                    n += 1
                    await socket.send(json.dumps({"type": "post_idea", "text": f"Socket {index}/{n}"}))
                    while True:
                        reply: dict[str, Any] = json.loads(await socket.recv())
                        if reply.get("type") == "ack":
                            seen["ack"] += 1
                            break
                        if reply.get("type") == "error":
                            seen[f"error {reply.get('status')}"] += 1
                            break
        except websockets.ConnectionClosed as closed:
            seen[f"closed {closed.rcvd.code if closed.rcvd else '?'}"] += 1

    await asyncio.gather(*(one(index) for index in range(count)))
    return seen


async def probe(base: str, workshop: str, token: str, seconds: float) -> str:
    """Another guest reads the board every 50 ms: p50 and p99 in milliseconds."""
    times: list[float] = []
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            response = await http.get(f"/api/workshops/{workshop}/ideas")
            assert response.status_code == 200, response.text
            times.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(0.05)
    times.sort()
    return f"p50 {times[len(times) // 2]:.1f} ms, p99 {times[int(len(times) * 0.99)]:.1f} ms ({len(times)} reads)"


async def main(base: str, email: str, password: str, seconds: float, sockets: int) -> None:
    workshop, code, _coach = await setup(base, email, password)
    http_guest, socket_guest = await guest(base, code, "Flut HTTP"), await guest(base, code, "Flut Socket")
    reader = await guest(base, code, "Leserin")
    print(f"another guest's reads, idle: {await probe(base, workshop, reader, seconds)}")
    over_http, reads = await asyncio.gather(
        flood_http(base, workshop, http_guest, seconds), probe(base, workshop, reader, seconds)
    )
    print(f"HTTP, one guest, {seconds:.0f} s: {dict(over_http)}; another guest's reads meanwhile: {reads}")
    over_sockets, reads = await asyncio.gather(
        flood_sockets(base, workshop, socket_guest, seconds, sockets), probe(base, workshop, reader, seconds)
    )
    print(f"{sockets} sockets, one guest, {seconds:.0f} s: {dict(over_sockets)}; another guest's reads: {reads}")


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(
        main(args[0], args[1], args[2], float(args[3]) if len(args) > 3 else 8.0, int(args[4]) if len(args) > 4 else 40)
    )
