"""Fan-out benchmark of the live board against a plain-websocket baseline, in the same run.

One Werkstatt worker (embedded: SQLite + in-memory broker), N API clients connected to one workshop's JSON
websocket, one card posted every INTERVAL through the HTTP API; then the same N clients on a plain
`websockets` broadcast server receiving a message of the same size at the same rate. Reports delivery
latency (post → every client), server CPU and memory per connection. Not a test: it prints figures.

    python -m bench.fanout [--clients 500] [--cards 100] [--interval 0.1]
    python -m bench.fanout --clients 300 --profile cpu.prof      (Werkstatt only, posting under cProfile)
    python -m bench.fanout --clients 300 --memory memory.txt     (Werkstatt only, what connecting allocates)
    python -m bench.fanout --timers timers.json                  (Werkstatt only, where the fan-out time goes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS


def cpu_since(pid: int, start: tuple[float, float]) -> tuple[float, float]:
    user, system = cpu_seconds(pid)
    return user - start[0], system - start[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_http(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(150):
            try:
                if (await client.get(url, timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Receivers:
    """N websocket clients; each records when every numbered message arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self, urls_and_headers: list[tuple[str, dict[str, str]]]) -> None:
        for index in range(0, len(urls_and_headers), 50):
            batch = urls_and_headers[index : index + 50]
            self.sockets += await asyncio.gather(
                *(
                    websockets.connect(
                        url, additional_headers=headers, max_size=2**20, open_timeout=30, compression=None
                    )
                    for url, headers in batch
                )
            )
        self.tasks = [asyncio.create_task(self._read(socket)) for socket in self.sockets]

    async def _read(self, socket: Any) -> None:
        try:
            async for message in socket:
                number = _number(message)
                if number is not None:
                    self.arrivals.setdefault(number, []).append(time.perf_counter())
        except websockets.ConnectionClosed:
            return

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)


def _number(message: str | bytes) -> int | None:
    text = message.decode() if isinstance(message, bytes) else message
    marker = text.find("Karte #")
    if marker < 0:
        return None
    digits = ""
    for char in text[marker + 7 :]:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


def summarise(
    name: str,
    sent: dict[int, float],
    receivers: Receivers,
    clients: int,
    cpu: tuple[float, float],
    rss_before: int,
    rss_after: int,
    wall: float,
) -> dict[str, Any]:
    latencies = [
        (arrival - sent[number]) * 1000
        for number, arrivals in receivers.arrivals.items()
        if number in sent
        for arrival in arrivals
    ]
    latencies.sort()
    delivered = len(latencies)
    expected = len(sent) * clients

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return {
        "server": name,
        "clients": clients,
        "delivered": f"{delivered}/{expected}",
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else float("nan"),
        "server_cpu_pct": round(100 * sum(cpu) / wall, 1),
        "cpu_us_per_delivery": round(1e6 * sum(cpu) / max(delivered, 1), 1),
        "of_it_kernel_pct": round(100 * cpu[1] / max(sum(cpu), 1e-9)),
        "kib_per_connection": round((rss_after - rss_before) / clients, 1),
    }


async def run_werkstatt(
    clients: int,
    cards: int,
    interval: float,
    workdir: Path,
    profile: Path | None = None,
    memory: Path | None = None,
    timers: Path | None = None,
) -> dict[str, Any]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.factories import make_account, make_network
    from werkstatt.board.service import start_step
    from werkstatt.db import create_sessionmaker
    from werkstatt.migrate import upgrade
    from werkstatt.network.models import Role
    from werkstatt.sessions import account_snapshot
    from werkstatt.workshops.schemas import WorkshopCreate
    from werkstatt.workshops.service import Actor, create_workshop

    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "Lasttest",
                "agenda": [
                    {"title": "Sammeln", "minutes": 60, "board": {"mechanic": "collect", "config": {"max_length": 280}}}
                ],
            }
        )
        workshop = await create_workshop(db, coach, data)
        await start_step(db, Actor(workshop, None, coach, is_coach=True), 0)
        await db.commit()
        workshop_id, code = str(workshop.id), workshop.join_code
    await engine.dispose()

    port = free_port()
    env = {
        **os.environ,
        "WERKSTATT_DATABASE_URL": url,
        "WERKSTATT_DATA_DIR": str(workdir),
        "WERKSTATT_PORT": str(port),
        "WERKSTATT_SYNC_METHODS_ON_START": "false",
        "WERKSTATT_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
        # One poster sends every card here: the per-person limits would refuse all but the first few.
        "WERKSTATT_POST_BURST": "1000",
        "WERKSTATT_CARDS_PER_STEP": "1000",
        "WERKSTATT_WORKSHOP_POSTS_PER_SECOND": "1000",
    }
    log = (workdir / "werkstatt.log").open("wb")
    command = ["-m", "werkstatt.cli", "serve"]
    for mode, out in (("cpu", profile), ("memory", memory), ("timers", timers)):
        if out:
            command = ["-m", "bench.profiled_server", mode, str(out)]
    server = subprocess.Popen([sys.executable, *command], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_http(f"{base}/healthz")
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            tokens = []
            for index in range(clients):
                response = await http.post("/api/join", json={"code": code, "display_name": f"Last {index}"})
                response.raise_for_status()
                tokens.append(response.json()["token"])
            after = (
                await http.get(f"/api/workshops/{workshop_id}/events", headers={"Authorization": f"Bearer {tokens[0]}"})
            ).json()[-1]["seq"]
            rss_before = rss_kib(server.pid)
            if memory:
                server.send_signal(signal.SIGUSR1)
                await asyncio.sleep(1)
            receivers = Receivers()
            ws_base = base.replace("http", "ws")
            await receivers.open(
                [
                    (f"{ws_base}/api/workshops/{workshop_id}/live?after={after}", {"Authorization": f"Bearer {token}"})
                    for token in tokens
                ]
            )
            await asyncio.sleep(2)
            rss_connected = rss_kib(server.pid)
            if memory:
                server.send_signal(signal.SIGUSR2)
                await _appears(memory)
            if profile or timers:
                server.send_signal(signal.SIGUSR1)
            cpu_start, wall_start = cpu_seconds(server.pid), time.perf_counter()
            sent: dict[int, float] = {}
            poster = {"Authorization": f"Bearer {tokens[0]}"}
            for number in range(cards):
                sent[number] = time.perf_counter()
                await http.post(
                    f"/api/workshops/{workshop_id}/ideas",
                    headers=poster,
                    json={"text": f"Karte #{number} – mehr Bänke und Schatten am Marktplatz"},
                )
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent[number])))
            await asyncio.sleep(2)
            cpu, wall = cpu_since(server.pid, cpu_start), time.perf_counter() - wall_start
            if profile or timers:
                server.send_signal(signal.SIGUSR2)
                await _appears(profile or timers)  # type: ignore[arg-type]
            await receivers.close()
        return summarise(
            "Werkstatt (Litestar hub, JSON events)", sent, receivers, clients, cpu, rss_before, rss_connected, wall
        )
    finally:
        server.terminate()
        server.wait(timeout=15)


async def _appears(path: Path) -> None:
    for _ in range(300):
        if await asyncio.to_thread(path.exists):
            return
        await asyncio.sleep(0.1)


async def run_baseline(clients: int, cards: int, interval: float, payload_size: int) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.baseline_server", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert server.stdout is not None
        await asyncio.to_thread(server.stdout.readline)
        rss_before = rss_kib(server.pid)
        receivers = Receivers()
        await receivers.open([(f"ws://127.0.0.1:{port}/", {}) for _ in range(clients)])
        await asyncio.sleep(2)
        rss_connected = rss_kib(server.pid)
        async with websockets.connect(f"ws://127.0.0.1:{port}/control", compression=None) as control:
            cpu_start, wall_start = cpu_seconds(server.pid), time.perf_counter()
            sent: dict[int, float] = {}
            for number in range(cards):
                sent[number] = time.perf_counter()
                body = json.dumps({"seq": number, "type": "idea_posted", "text": f"Karte #{number} "})
                await control.send(body + " " * max(0, payload_size - len(body)))
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent[number])))
            await asyncio.sleep(2)
            cpu, wall = cpu_since(server.pid, cpu_start), time.perf_counter() - wall_start
        await receivers.close()
        return summarise("plain websockets (baseline)", sent, receivers, clients, cpu, rss_before, rss_connected, wall)
    finally:
        server.terminate()
        server.wait(timeout=15)


def table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[key]) for key in keys) + " |" for row in rows]
    return "\n".join(lines)


def print_profile(path: Path, rows: int = 30) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    stats.strip_dirs().sort_stats("tottime").print_stats(rows)
    stats.sort_stats("cumulative").print_stats(rows)


def print_timers(path: Path, deliveries: int) -> None:
    """Per delivered message, in µs: process CPU, and the event loop thread's CPU inside the instrumented calls."""
    timers = json.loads(path.read_text())
    per = 1e6 / max(deliveries, 1)
    rows = {
        "process CPU, user": timers["process_user"] * per,
        "process CPU, kernel": timers["process_system"] * per,
        "Hub.deliver (CPU)": timers.get("hub_deliver", 0) * per,
        "uvicorn websocket send (CPU)": timers.get("uvicorn_send", 0) * per,
        "of it transport.write (CPU)": timers.get("transport_write", 0) * per,
        **{f"gc generation {n} (CPU)": timers.get(f"gc_gen{n}", 0) * per for n in range(3)},
    }
    for name, value in rows.items():
        print(f"{name:32} {value:7.1f} µs per delivery")
    counts = ", ".join(f"{timers.get(f'gc_gen{n}_calls', 0):.0f}" for n in range(3))
    sends, events = timers.get("uvicorn_send_calls", 0), timers.get("hub_deliver_calls", 0)
    print(f"({sends:.0f} sends, {events:.0f} events, {counts} gc passes of generation 0, 1, 2)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--profile", type=Path, default=None, help="Werkstatt only, under cProfile; stats file")
    parser.add_argument("--memory", type=Path, default=None, help="Werkstatt only, under tracemalloc; report file")
    parser.add_argument("--timers", type=Path, default=None, help="Werkstatt only, with timers; JSON file")
    args = parser.parse_args()
    if args.profile or args.memory or args.timers:
        out = (args.profile or args.memory or args.timers).resolve()
        out.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            row = await run_werkstatt(
                args.clients,
                args.cards,
                args.interval,
                Path(tmp),
                profile=out if args.profile else None,
                memory=out if args.memory else None,
                timers=out if args.timers else None,
            )
        print(table([row]) + "\n(instrumented: slower and bigger than without)\n")
        if args.profile:
            print_profile(out)
        elif args.timers:
            print_timers(out, deliveries=int(str(row["delivered"]).split("/")[0]))
        else:
            print(out.read_text())
        return
    with tempfile.TemporaryDirectory() as tmp:
        werkstatt = await run_werkstatt(args.clients, args.cards, args.interval, Path(tmp))
    baseline = await run_baseline(args.clients, args.cards, args.interval, payload_size=620)
    print(f"\n{args.clients} clients, {args.cards} cards, one every {int(args.interval * 1000)} ms, one worker\n")
    print(table([werkstatt, baseline]))


if __name__ == "__main__":
    asyncio.run(main())
