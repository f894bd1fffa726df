"""`make bench`: the live board's real work, each figure beside the plain-websocket baseline of the same run.

    python -m bench.suite                      all of G1–G7 and F at default sizes (about 12 minutes on 2 cores)
    python -m bench.suite --only G2,G6         some of them (G1 and G2 share one run, as do G5's parts)
    python -m bench.suite --scale 0.1          every count of sockets, participants and votes scaled down
    python -m bench.suite --g7-sizes 50,200    board sizes for G7

One Werkstatt worker in embedded mode (SQLite, in-memory broker) serves G1–G7; G1 also starts two workers on a
fresh PostgreSQL database and Redis. Participants join through POST /api/join (JSON sockets, bearer token) or the
HTML join form (board sockets, session cookie, the page's Origin); cards, votes and commands go through the
public HTTP API. Client sockets live in bench.clients processes. The baseline is bench/baseline_server.py (a
plain `websockets` broadcast server) with the same number of sockets, the same rate and payloads of the same
size; its windows take turns with Werkstatt's (W B W B). Prints one table at the end. Not a test: nothing
fails, figures are printed (BENCHMARKS.md explains every row).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import math
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.harness import (
    REDIS,
    Api,
    Process,
    Swarm,
    Workshop,
    bounded,
    cpu_seconds,
    create_pg_database,
    drop_pg_database,
    html_socket,
    json_socket,
    pct,
    raise_file_limit,
    rss_kib,
    seed_network,
    settle,
    start_baseline,
    start_werkstatt,
    stop_on_exit,
    upgrade,
    werkstatt_env,
)

CARD_TEXT = "Karte #{n} – mehr Bänke und Schatten am Marktplatz, damit Ältere dort gern verweilen"
MAX_IN_FLIGHT = 64  # G4: unanswered vote requests at most
COLLECT = {"title": "Sammeln", "minutes": 60, "board": {"mechanic": "collect"}}


@dataclass
class Row:
    g: str
    measure: str
    werkstatt: str
    baseline: str = "—"
    target: str = ""
    met: str = ""


@dataclass
class Run:
    args: argparse.Namespace
    workdir: Path
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def n(self, count: int) -> int:
        return max(2, int(count * self.args.scale))

    def add(self, *row: Any) -> None:
        self.rows.append(Row(*[str(value) for value in row]))
        print("  " + " | ".join(str(value) for value in row), flush=True)
        if self.args.out:  # kept up to date, so that an interrupted run still leaves its figures
            self.args.out.write_text(table(self.rows) + "\n" + "".join(f"- {note}\n" for note in self.notes))


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def success(statuses: dict[int, int]) -> int:
    return sum(count for code, count in statuses.items() if 200 <= code < 300)


def answered(statuses: dict[int, int], sent: int) -> str:
    """ "2xx / 429 / other" of the requests sent."""
    ok, refused = success(statuses), statuses.get(429, 0)
    return f"{ok} / {refused} / {sent - ok - refused}"


def most_in_a_second(times: list[float]) -> int:
    """The most events in any one-second window (sorted times in seconds)."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


# --- fan-out: cards posted at a rate, delivery to every socket -------------------------------------------


@dataclass
class Window:
    """One posting window: cards (or broadcasts) leave at the rate; what the server spent meanwhile."""

    sent: dict[int, float]
    statuses: dict[int, int]
    cpu: float
    wall: float


@dataclass
class Fanout:
    sockets: int
    delivered: int
    expected: int
    latencies: list[float]
    cpu: float
    wall: float
    payload: float
    statuses: dict[int, int]

    @property
    def p50(self) -> float:
        return pct(self.latencies, 0.5)

    @property
    def p99(self) -> float:
        return pct(self.latencies, 0.99)

    @property
    def us_per_delivery(self) -> float:
        return 1e6 * self.cpu / max(self.delivered, 1)

    def delivered_text(self) -> str:
        return f"{self.delivered}/{self.expected}"


def deliveries(records: list[list[Any]], sent: dict[int, float]) -> tuple[list[float], dict[tuple[int, int], float]]:
    """First arrival of each card at each socket, as latency in ms from just before its post."""
    first: dict[tuple[int, int], float] = {}
    for index, arrival, _seq, card, _pull, _size, _tag in records:
        if card in sent and (index, card) not in first:
            first[(index, card)] = arrival
    return [(arrival - sent[card]) * 1000 for (_i, card), arrival in first.items()], first


def fanout(records: list[list[Any]], window: Window, sockets: int) -> Fanout:
    latencies, _first = deliveries(records, window.sent)
    sizes = [size for _i, _t, _s, card, _p, size, _tag in records if card in window.sent]
    return Fanout(
        sockets=sockets,
        delivered=len(latencies),
        expected=len(window.sent) * sockets,
        latencies=latencies,
        cpu=window.cpu,
        wall=window.wall,
        payload=sum(sizes) / max(len(sizes), 1),
        statuses=window.statuses,
    )


Poster = Callable[[int, int], Awaitable[tuple[dict[int, float], dict[int, int]]]]  # (first card number, count)


def card_poster(run: Run, servers: list[Process], workshop: Workshop, tokens: list[str]) -> Poster:
    """Cards through POST /api/workshops/{id}/ideas at the rate, open loop, rotating over participants (the
    per-person limits) and alternating over the servers. Only cards answered 2xx are expected anywhere."""

    turn = [0]  # over all calls: every participant posts as rarely as possible (per-person limits per step)

    async def post(first: int, count: int) -> tuple[dict[int, float], dict[int, int]]:
        sent: dict[int, float] = {}
        statuses: collections.Counter[int] = collections.Counter()
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:

            async def one(number: int, index: int) -> None:
                turn[0] += 1
                token = tokens[turn[0] % len(tokens)]
                server = servers[index % len(servers)]
                sent[number] = time.perf_counter()
                try:
                    response = await http.post(
                        f"{server.url}/api/workshops/{workshop.id}/ideas",
                        json={"text": CARD_TEXT.format(n=number)},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    statuses[response.status_code] += 1
                    if not 200 <= response.status_code < 300:
                        sent.pop(number, None)
                except httpx.HTTPError:
                    statuses[0] += 1
                    sent.pop(number, None)

            start = time.perf_counter()
            tasks = []
            for index in range(count):
                await asyncio.sleep(max(0.0, start + index / run.args.rate - time.perf_counter()))
                tasks.append(asyncio.create_task(one(first + index, index)))
            await asyncio.gather(*tasks)
        return sent, dict(statuses)

    return post


class Broadcast:
    """The baseline's poster: a message of the payload's size to the control socket of every baseline server."""

    def __init__(self, run: Run, servers: list[Process]) -> None:
        self.run = run
        self.servers = servers
        self.controls: list[Any] = []
        self.payload = 0.0  # bytes per message; set from Werkstatt's card frames

    async def open(self) -> None:
        for server in self.servers:
            self.controls.append(await websockets.connect(f"{server.ws}/control", compression=None, max_size=2**23))

    async def close(self) -> None:
        for control in self.controls:
            await control.close()

    async def __call__(self, first: int, count: int) -> tuple[dict[int, float], dict[int, int]]:
        sent: dict[int, float] = {}
        start = time.perf_counter()
        for index in range(count):
            await asyncio.sleep(max(0.0, start + index / self.run.args.rate - time.perf_counter()))
            number = first + index
            sent[number] = time.perf_counter()
            body = json.dumps({"seq": number, "type": "idea_posted", "text": f"Karte #{number} "})
            text = body + " " * max(0, int(self.payload) - len(body))
            for control in self.controls:
                await control.send(text)
        return sent, {}


class Live:
    """Sockets held open on one server (or two) across several posting windows."""

    def __init__(
        self, run: Run, pids: list[int], sockets: list[tuple[str, dict[str, str]]], after: int, fetchers: int = 0
    ) -> None:
        self.run = run
        self.pids = pids
        self.swarm = Swarm(sockets, run.workdir, after, run.args.client_processes, fetchers)
        self.kib_per_connection = math.nan
        self.connect_seconds = math.nan
        self.connect_cpu = math.nan
        self.connect_frames = 0
        self.rejoin_seconds = math.nan

    @property
    def opened(self) -> int:
        return self.swarm.opened

    async def connect(self) -> None:
        rss_before, cpu_before, began = rss_kib(self.pids), cpu_seconds(self.pids), time.perf_counter()
        await self.swarm.start()
        await settle(self.pids)  # the presence announcements of connecting die down
        self.connect_seconds = time.perf_counter() - began
        self.connect_cpu = cpu_seconds(self.pids) - cpu_before
        self.connect_frames = (await self.swarm.stats())[0]
        await asyncio.sleep(1)
        self.kib_per_connection = (rss_kib(self.pids) - rss_before) / max(self.opened, 1)

    async def window(self, poster: Poster, first: int, seconds: float | None = None) -> Window:
        count = int(self.run.args.rate * (seconds or self.run.args.seconds))
        cpu_start, wall_start = cpu_seconds(self.pids), time.perf_counter()
        sent, statuses = await poster(first, count)
        await asyncio.sleep(3)
        return Window(sent, statuses, cpu_seconds(self.pids) - cpu_start, time.perf_counter() - wall_start)

    async def storm(self, poster: Poster, first: int) -> tuple[dict[int, float], float, int]:
        """Every socket drops; one second of cards is posted; all reconnect at once with after=<last seq>.
        Returns the missed cards, when the reconnecting began, and how many reconnects failed."""
        await self.swarm.drop()
        sent, _statuses = await poster(first, max(1, int(self.run.args.rate)))
        _opened, failed, started = await self.swarm.rejoin()
        self.rejoin_seconds = time.perf_counter() - started
        await asyncio.sleep(5)
        return sent, started, failed

    async def stop(self) -> list[list[Any]]:
        try:
            return await self.swarm.stop()
        finally:
            self.swarm.kill()


def merge(windows: list[Window]) -> Window:
    return Window(
        sent={number: t for window in windows for number, t in window.sent.items()},
        statuses=dict(sum((collections.Counter(window.statuses) for window in windows), collections.Counter())),
        cpu=sum(window.cpu for window in windows),
        wall=sum(window.wall for window in windows),
    )


async def paired(
    run: Run, ours: Live, poster: Poster, base: Live, broadcast: Broadcast, first: int, rounds: int = 2
) -> tuple[Window, Window]:
    """Werkstatt and baseline windows taking turns (W B W B), both sets of sockets open throughout, so that a
    busy moment of the shared machine tends to fall on both; each side's windows pooled."""
    if broadcast.payload <= 0:  # the baseline imitates the size of Werkstatt's card frames: one card first
        await poster(first + 9999, 1)
        await asyncio.sleep(1)
        broadcast.payload = float((await ours.swarm.stats())[3] or 600)
    mine: list[Window] = []
    theirs: list[Window] = []
    for round_number in range(rounds):
        mine.append(await ours.window(poster, first + round_number * 10000, run.args.seconds / rounds))
        theirs.append(await base.window(broadcast, first + round_number * 10000, run.args.seconds / rounds))
    return merge(mine), merge(theirs)


async def baseline_live(run: Run, sockets: int, servers: int = 1) -> tuple[list[Process], Live, Broadcast]:
    baselines = [await start_baseline() for _ in range(servers)]
    urls: list[tuple[str, dict[str, str]]] = [(f"{baselines[i % servers].ws}/", {}) for i in range(sockets)]
    live = Live(run, [server.pid for server in baselines], urls, 0)
    await live.connect()
    broadcast = Broadcast(run, baselines)
    await broadcast.open()
    return baselines, live, broadcast


async def baseline_fanout(run: Run, sockets: int, payload: float, servers: int = 1) -> tuple[Fanout, Live]:
    """The plain-websocket broadcast with the same sockets, rate and payload size, one window."""
    baselines, live, broadcast = await baseline_live(run, sockets, servers)
    try:
        broadcast.payload = payload
        window = await live.window(broadcast, 0)
        await broadcast.close()
        return fanout(await live.stop(), window, live.opened), live
    finally:
        live.swarm.kill()
        for server in baselines:
            server.stop()


def stalled_socket(server: Process, path: str, headers: dict[str, str]) -> socket.socket:
    """A client that completes the websocket handshake and then never reads again (tiny receive buffer)."""
    import base64
    import os

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = server.url.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sock.settimeout(10)
    answer = sock.recv(256)
    if b" 101 " not in answer.split(b"\r\n", 1)[0]:
        sock.close()
        raise RuntimeError(f"stalled client not admitted: {answer[:80]!r}")
    return sock


def fanout_rows(run: Run, g: str, label: str, ours: Fanout, base: Fanout) -> None:
    complete = ours.expected > 0 and ours.delivered == ours.expected
    run.add(g, f"{label}: delivered/expected", ours.delivered_text(), base.delivered_text(), "all", verdict(complete))
    run.add(
        g,
        f"{label}: p50 / p99 delivery ms",
        f"{fmt(ours.p50)} / {fmt(ours.p99)}",
        f"{fmt(base.p50)} / {fmt(base.p99)}",
        "",
        "",
    )


def connect_row(run: Run, g: str, label: str, ours: Live, base: Live) -> None:
    """What connecting cost: today every socket that joins announces presence to every other socket."""
    run.add(
        g,
        f"{label}: connecting all: s, server CPU s, frames per socket meanwhile",
        f"{ours.connect_seconds:.1f} s, {ours.connect_cpu:.1f} s, {ours.connect_frames / max(ours.opened, 1):.0f}",
        f"{base.connect_seconds:.1f} s, {base.connect_cpu:.1f} s, 0",
        "",
        "",
    )


# --- one embedded worker: G1–G7 -------------------------------------------------------------------------


async def embedded(run: Run, only: set[str]) -> None:
    """Each part on a fresh embedded worker (SQLite, in-memory broker), so that one part's load and memory do
    not colour the next."""
    steps = [
        ("room", only & {"G1", "G2", "G3", "G5", "G6"}, room_runs),
        ("votes", only & {"G4"}, votes),
        ("idle", only & {"G3"}, idle),
        ("pages", only & {"G7"}, page_sizes),
        ("flood", only & {"F"}, flood),
    ]
    for name, wanted, action in steps:
        if not wanted:
            continue
        started = time.perf_counter()
        tmp = run.workdir / name
        tmp.mkdir()
        url = f"sqlite+aiosqlite:///{tmp / 'werkstatt.db'}"
        env = werkstatt_env(url, tmp)
        await asyncio.to_thread(upgrade, url, env)
        seed = await seed_network(url)
        server = await start_werkstatt(env, tmp / "werkstatt.log")
        api = Api(server.url, seed)
        try:
            await api.login()
            await action(run, server, api, only)
        except Exception as error:
            run.notes.append(f"{name}: failed with {type(error).__name__}: {str(error)[:300]}")
            print(f"  {name} failed: {error!r}", flush=True)
        finally:
            await api.close()
            alive = server.alive()
            server.stop()
            if not alive:
                tail = (tmp / "werkstatt.log").read_text()[-600:]
                run.notes.append(f"{name}: the worker had stopped: {tail}")
        print(f"  ({name}: {time.perf_counter() - started:.0f} s)", flush=True)


async def room_runs(run: Run, server: Process, api: Api, only: set[str]) -> None:
    """G1 (one worker), G2, G3 (CPU and memory per delivery), G5 in a workshop of N API participants; G1 (HTML)
    and G6 in a workshop of N guests who joined through the HTML form."""
    people = run.n(1000)
    if only & {"G1", "G2", "G3", "G5"}:
        workshop = await api.workshop("Lasttest JSON", [COLLECT])
        started = time.perf_counter()
        await api.join_api(workshop, people)
        await api.join_html(workshop, 1)  # the stalled board socket of G5
        print(f"  ({people} participants joined in {time.perf_counter() - started:.0f} s)", flush=True)
        await json_room(run, server, api, workshop, only)
    if only & {"G1", "G6"}:
        workshop = await api.workshop("Lasttest HTML", [COLLECT])
        started = time.perf_counter()
        await api.join_html(workshop, people)
        await api.join_api(workshop, max(50, run.n(100)))  # they post the cards, each at most every 2.5 s
        print(f"  ({people} participants joined in {time.perf_counter() - started:.0f} s)", flush=True)
        await html_room(run, server, api, workshop, only)


async def json_room(run: Run, server: Process, api: Api, workshop: Workshop, only: set[str]) -> None:
    """N JSON sockets held open: a calm window (G1, G2, G3); then, for G5, a window with one stalled board
    socket and a reconnect storm. The baseline goes through the same steps with the same sockets."""
    sockets = [json_socket(server, workshop, token) for token in workshop.json_tokens]
    poster = card_poster(run, [server], workshop, workshop.json_tokens)
    live = Live(run, [server.pid], sockets, await api.last_seq(workshop))
    stall_path = f"/w/{workshop.id}/live"
    stall_headers = {
        "Cookie": f"werkstatt_session={workshop.html_cookies[0]['werkstatt_session']}",
        "Origin": server.origin,
    }
    baselines: list[Process] = []
    base_live: Live | None = None
    try:
        await live.connect()
        baselines, base_live, broadcast = await baseline_live(run, len(sockets))
        calm_window, base_calm_window = await paired(run, live, poster, base_live, broadcast, 0)
        stalled_window = base_stalled_window = storm = None
        if "G5" in only:
            stall = stalled_socket(server, stall_path, stall_headers)
            base_stall = stalled_socket(baselines[0], "/", {})
            try:
                stalled_window, base_stalled_window = await paired(run, live, poster, base_live, broadcast, 100000)
            finally:
                stall.close()
                base_stall.close()
            storm = await live.storm(poster, 900000)
            await base_live.storm(broadcast, 900000)
        await broadcast.close()
        records = await live.stop()
        base_records = await base_live.stop()
    finally:
        live.swarm.kill()
        if base_live is not None:
            base_live.swarm.kill()
        for process in baselines:
            process.stop()
    ours = fanout(records, calm_window, live.opened)
    base = fanout(base_records, base_calm_window, base_live.opened)

    label = f"{live.opened} JSON sockets, 1 worker"
    connect_row(run, "G1", label, live, base_live)
    fanout_rows(run, "G1", label, ours, base)
    ratio = ours.p99 / base.p99 if base.p99 else math.nan
    run.add(
        "G2",
        f"{run.args.rate:g} cards/s: p99 as multiple of baseline",
        f"{fmt(ratio, 2)}×",
        "1×",
        "≤ 2.5×",
        verdict(ratio <= 2.5),
    )
    posted = sum(ours.statuses.values())
    run.add(
        "G2",
        "card posts: 2xx / 429 / other",
        answered(ours.statuses, posted),
        "—",
        "all 2xx",
        verdict(success(ours.statuses) == posted),
    )
    cpu_ratio = ours.us_per_delivery / base.us_per_delivery if base.us_per_delivery else math.nan
    run.add(
        "G3",
        "CPU µs per delivery (G1 JSON window)",
        f"{fmt(ours.us_per_delivery)} ({fmt(cpu_ratio, 2)}×)",
        fmt(base.us_per_delivery),
        "≤ 2× baseline",
        verdict(cpu_ratio <= 2),
    )
    run.add(
        "G3",
        "KiB per connection, JSON sockets (G1 run)",
        fmt(live.kib_per_connection),
        fmt(base_live.kib_per_connection),
        "≤ 40",
        verdict(live.kib_per_connection <= 40),
    )
    run.notes.append(
        f"G1/G2 JSON window: card frame {ours.payload:.0f} bytes, "
        f"server CPU {100 * ours.cpu / ours.wall:.0f} % of one core while posting"
    )
    if stalled_window is None or base_stalled_window is None or storm is None:
        return
    stalled = fanout(records, stalled_window, live.opened)
    base_stalled = fanout(base_records, base_stalled_window, base_live.opened)
    rise = 100 * (stalled.p99 / ours.p99 - 1)
    base_rise = 100 * (base_stalled.p99 / base.p99 - 1)
    run.add(
        "G5",
        "p99 ms without → with one stalled board socket",
        f"{fmt(ours.p99)} → {fmt(stalled.p99)} ({rise:+.0f} %)",
        f"{fmt(base.p99)} → {fmt(base_stalled.p99)} ({base_rise:+.0f} %)",
        "≤ +10 %",
        verdict(rise <= 10),
    )
    missed, began, failed = storm
    by_socket: dict[int, dict[int, float]] = collections.defaultdict(dict)
    for index, arrival, _seq, card, _pull, _size, _tag in records:
        if card in missed and arrival >= began and card not in by_socket[index]:
            by_socket[index][card] = arrival
    catch_up = [(max(cards.values()) - began) * 1000 for cards in by_socket.values() if len(cards) == len(missed)]
    within = sum(1 for value in catch_up if value <= 2000)
    run.add(
        "G5",
        f"{live.opened} reconnect at once with after= ({len(missed)} missed cards): caught up within 2 s",
        f"{within}/{live.opened} (p50 {fmt(pct(catch_up, 0.5), 0)}, max {fmt(pct(catch_up, 1.0), 0)} ms)",
        f"all reconnected in {base_live.rejoin_seconds * 1000:.0f} ms",
        "all",
        verdict(within == live.opened),
    )
    if len(catch_up) < live.opened:
        run.notes.append(
            f"G5: {live.opened - len(catch_up)} sockets did not get every missed card ({failed} reconnects failed)"
        )


async def html_room(run: Run, server: Process, api: Api, workshop: Workshop, only: set[str]) -> None:
    """N HTML board sockets. G6 first, on a board of --g6-cards cards: timer, a card into a cluster, reveal; the
    first --g6-fetch boards fetch like browsers when a frame asks them to. Then the G1 window on the same sockets."""
    poster = card_poster(run, [server], workshop, workshop.json_tokens)
    cluster_id = None
    if "G6" in only:
        await poster(500000, run.args.g6_cards)
        created = await api.command(workshop, {"type": "create_cluster", "name": "Grün und Schatten"})
        if created.status_code == 200:
            seq = created.json()["seq"]
            events = (
                await api.http.get(
                    f"/api/workshops/{workshop.id}/events", params={"after": seq - 1}, headers=api.coach()
                )
            ).json()
            cluster_id = next((e["data"]["cluster"]["id"] for e in events if e["type"] == "cluster_created"), None)
    sockets = [html_socket(server, workshop, cookies) for cookies in workshop.html_cookies]
    live = Live(run, [server.pid], sockets, await api.last_seq(workshop), fetchers=run.args.g6_fetch)
    commands: list[tuple[str, float, int | None, str, float, int]] = []
    window = base_window = None
    baselines: list[Process] = []
    base_live: Live | None = None
    base_records: list[list[Any]] = []
    try:
        await live.connect()
        if "G6" in only:
            ideas = (await api.http.get(f"/api/workshops/{workshop.id}/ideas", headers=api.coach())).json()
            idea_id = ideas[0]["id"] if ideas else None
            for label, command in (
                ("timer started", {"type": "start_timer", "seconds": 600}),
                ("+1 minute", {"type": "add_minute"}),
                ("card moved to a cluster", {"type": "move_idea", "idea_id": idea_id, "cluster_id": cluster_id}),
                ("reveal", {"type": "reveal"}),
            ):
                cpu_before = cpu_seconds([server.pid])
                log_before = server.log.stat().st_size if server.log else 0
                began = time.perf_counter()
                response = await api.command(workshop, command)
                seq = response.json().get("seq") if 200 <= response.status_code < 300 else None
                await asyncio.sleep(0.5)
                deadline = time.perf_counter() + run.args.g6_wait
                while (await live.swarm.stats())[2] > 0 and time.perf_counter() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)  # another process's counter: polled
                await settle([server.pid], limit=run.args.g6_wait)
                error = "" if seq else f"{response.status_code} {response.text[:120]}"
                requests = board_requests(server, workshop, log_before)
                commands.append((label, began, seq, error, cpu_seconds([server.pid]) - cpu_before, requests))
        if "G1" in only:
            baselines, base_live, broadcast = await baseline_live(run, len(sockets))
            window, base_window = await paired(run, live, poster, base_live, broadcast, 300000)
            await broadcast.close()
            base_records = await base_live.stop()
        records = await live.stop()
    finally:
        live.swarm.kill()
        if base_live is not None:
            base_live.swarm.kill()
        for process in baselines:
            process.stop()
    base = None
    if window is not None and base_window is not None and base_live is not None:
        ours = fanout(records, window, live.opened)
        base = fanout(base_records, base_window, base_live.opened)
        label = f"{live.opened} HTML board sockets, 1 worker"
        connect_row(run, "G1", label, live, base_live)
        fanout_rows(run, "G1", label, ours, base)
        run.notes.append(f"G1 HTML window: card fragment {ours.payload:.0f} bytes")
    fetchers = min(run.args.g6_fetch, live.opened)
    for label, began, seq, error, cpu, requests in commands:
        if seq is None:
            run.add("G6", f"{label}: at {live.opened} boards", f"refused: {error}", "—", "", "")
            continue
        first: dict[int, list[Any]] = {}
        fetched: dict[int, list[Any]] = {}
        for frame in records:
            if frame[2] == seq:
                (fetched if frame[6] in {"fetched", "fetch-failed"} else first).setdefault(frame[0], frame)
        if not first:  # frames without the seq marker: the first frame after the command
            for frame in sorted(records, key=lambda r: r[1]):
                if frame[1] >= began and frame[3] < 0 and frame[6] not in {"fetched", "fetch-failed"}:
                    first.setdefault(frame[0], frame)
        pulls = sum(frame[4] for frame in first.values())
        size = sum(frame[5] for frame in first.values()) / max(len(first), 1)
        run.add(
            "G6",
            f"{label} ({run.args.g6_cards} cards): boards told to fetch their board over HTTP",
            f"{pulls}/{len(first)} (frame {size:.0f} B)",
            "0",
            "0",
            verdict(pulls == 0),
        )
        # when the change is on the board: the pushed frame, or for a fetching board the fetched page
        arrivals = [(frame[1] - began) * 1000 for index, frame in first.items() if index >= fetchers or not frame[4]]
        arrivals += [(frame[1] - began) * 1000 for frame in fetched.values()]
        failed = sum(1 for frame in fetched.values() if frame[6] == "fetch-failed")
        page = sum(frame[5] for frame in fetched.values()) / max(len(fetched), 1)
        detail = f" ({len(fetched)} boards fetched {page / 1024:.0f} KB each, {failed} failed)" if fetched else ""
        p99 = pct(arrivals, 0.99)
        run.add(
            "G6",
            f"{label}: p99 ms until the change is on the board; server CPU s; board GETs in its access log",
            f"{fmt(p99)}{detail}; {cpu:.2f} s; {requests}",
            f"{fmt(base.p99)} (card broadcast)" if base else "—",
            "≤ 100",
            verdict(p99 <= 100 and pulls == 0),
        )
    if commands:
        run.notes.append(
            f"G6: of {live.opened} boards the first {fetchers} fetch like browsers when a frame carries "
            "hx-trigger=load/hx-get (the others only count such frames), so today's p99 and server CPU are for "
            f"{fetchers} fetching boards, a lower bound for {live.opened}"
        )


async def flood(run: Run, server: Process, api: Api, _only: set[str]) -> None:
    """Item 3's benchmark: while one participant posts as fast as it can over HTTP (8 requests at a time), the
    others' delivery p99 should stay within 2× of its calm value; the flooder's cards are counted."""
    people = run.n(200)
    workshop = await api.workshop("Lasttest Flut", [COLLECT])
    await api.join_api(workshop, people + 1)
    flooder, others = workshop.json_tokens[0], workshop.json_tokens[1:]
    sockets = [json_socket(server, workshop, token) for token in others]
    poster = card_poster(run, [server], workshop, others)
    live = Live(run, [server.pid], sockets, await api.last_seq(workshop))
    statuses: collections.Counter[int] = collections.Counter()
    stop = asyncio.Event()

    async def flood_loop(http: httpx.AsyncClient) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            try:
                response = await http.post(
                    f"/api/workshops/{workshop.id}/ideas",
                    json={"text": f"Flut {number} – immer dieselbe Idee"},
                    headers={"Authorization": f"Bearer {flooder}"},
                )
                statuses[response.status_code] += 1
            except httpx.HTTPError:
                statuses[0] += 1

    try:
        await live.connect()
        calm = await live.window(poster, 0)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            loops = [asyncio.create_task(flood_loop(http)) for _ in range(8)]
            began = time.perf_counter()
            flooded = await live.window(poster, 100000)
            stop.set()
            await asyncio.gather(*loops)
            seconds = time.perf_counter() - began
        records = await live.stop()
    finally:
        live.swarm.kill()
    before, during = fanout(records, calm, live.opened), fanout(records, flooded, live.opened)
    ratio = during.p99 / before.p99 if before.p99 else math.nan
    run.add(
        "F",
        f"one participant floods over HTTP for {seconds:.0f} s: cards 2xx / 429 / other",
        answered(statuses, sum(statuses.values())),
        "—",
        "a few, then 429",
        verdict(success(statuses) <= 5 + seconds / 2 + 1),
    )
    run.add(
        "F",
        f"{live.opened} others: p99 delivery ms calm → during the flood",
        f"{fmt(before.p99)} → {fmt(during.p99)} ({fmt(ratio, 2)}×; delivered {during.delivered_text()})",
        "—",
        "≤ 2×",
        verdict(ratio <= 2),
    )


def board_requests(server: Process, workshop: Workshop, offset: int) -> int:
    """Board fetches the server logged (uvicorn's access log) since `offset`."""
    if server.log is None:
        return 0
    with server.log.open("rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    return text.count(f'"GET /w/{workshop.id}/board')


async def votes(run: Run, server: Process, api: Api, _only: set[str]) -> None:
    """G4: a vote step with 20 dots per person; votes at the rate over rotating voters; observers count frames."""
    dots = 20
    total = run.n(int(run.args.vote_rate * run.args.vote_seconds))
    vote_step = {
        "title": "Punkten",
        "minutes": 30,
        "board": {"mechanic": "vote", "config": {"dots_per_person": dots, "max_per_item": dots, "hidden": True}},
    }
    workshop = await api.workshop("Lasttest Punkte", [COLLECT, vote_step])
    voters = math.ceil(total / dots) + 5
    observers = run.n(200)
    await api.join_api(workshop, voters + observers)
    voter_tokens, observer_tokens = workshop.json_tokens[:voters], workshop.json_tokens[voters:]
    await card_poster(run, [server], workshop, voter_tokens)(0, 20)
    ideas = [i["id"] for i in (await api.http.get(f"/api/workshops/{workshop.id}/ideas", headers=api.coach())).json()]
    started = await api.command(workshop, {"type": "start_step", "step": 1})
    if started.status_code != 200 or not ideas:
        run.add("G4", "vote step", f"could not start: {started.status_code} {started.text[:100]}", "—", "", "")
        return
    sockets = [json_socket(server, workshop, token) for token in observer_tokens] + [
        json_socket(server, workshop, api.coach_token)
    ]
    vote_seq = await api.last_seq(workshop)
    swarm = Swarm(sockets, run.workdir, vote_seq, run.args.client_processes)
    sent_votes: collections.Counter[str] = collections.Counter()
    statuses: collections.Counter[int] = collections.Counter()
    latencies: list[float] = []
    try:
        await swarm.start()
        await asyncio.sleep(2)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=64)) as http:

            async def vote(index: int) -> None:
                voter = index % voters
                idea = ideas[(index // voters + voter) % len(ideas)]
                begun = time.perf_counter()
                try:
                    response = await http.post(
                        f"/api/workshops/{workshop.id}/votes",
                        json={"idea_id": idea},
                        headers={"Authorization": f"Bearer {voter_tokens[voter]}"},
                    )
                except httpx.HTTPError:
                    statuses[0] += 1
                    return
                latencies.append((time.perf_counter() - begun) * 1000)
                statuses[response.status_code] += 1
                if 200 <= response.status_code < 300:
                    sent_votes[idea] += 1

            # open loop at the rate, at most MAX_IN_FLIGHT unanswered; what is not sent by the deadline is not sent
            window_start = time.perf_counter()
            deadline = window_start + run.args.vote_seconds + 10
            in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
            tasks = []

            async def paced(index: int) -> None:
                try:
                    await vote(index)
                finally:
                    in_flight.release()

            for index in range(total):
                await asyncio.sleep(max(0.0, window_start + index / run.args.vote_rate - time.perf_counter()))
                try:
                    await asyncio.wait_for(in_flight.acquire(), max(0.01, deadline - time.perf_counter()))
                except TimeoutError:
                    break
                tasks.append(asyncio.create_task(paced(index)))
            await asyncio.gather(*tasks)
            window_end = time.perf_counter()
        await asyncio.sleep(3)
        records = await swarm.stop()
    finally:
        swarm.kill()
    achieved = success(statuses) / (window_end - window_start)
    unsent = total - len(tasks)
    await api.http.post(f"/api/workshops/{workshop.id}/votes/reveal", headers=api.coach())
    results = (await api.http.get(f"/api/workshops/{workshop.id}/results", headers=api.coach())).json()
    tallies = {str(i["id"]): int(i.get("votes") or 0) for i in results.get("ideas", [])}
    exact = all(tallies.get(idea, 0) == count for idea, count in sent_votes.items()) and sum(tallies.values()) == sum(
        sent_votes.values()
    )
    coach_index = len(sockets) - 1
    arriving = sorted(r[1] for r in records if r[0] == coach_index and r[6] == "tally_updated" and r[1] >= window_start)
    made = sorted(
        datetime.fromisoformat(event["at"]).timestamp()
        for event in await api.events(workshop, vote_seq)
        if event["type"] == "tally_updated"
    )
    seconds = max(window_end - window_start, 1)
    observer_frames = [
        r for r in records if r[0] != coach_index and window_start <= r[1] <= window_end + 3 and r[6] != "tally_updated"
    ]
    per_socket_per_vote = len(observer_frames) / max(len(observer_tokens), 1) / max(sum(sent_votes.values()), 1)
    run.add(
        "G4",
        f"{total} votes at {run.args.vote_rate:g}/s: achieved rate, 2xx / 429 / other",
        f"{achieved:.0f}/s; {answered(statuses, len(tasks))}; {unsent} not sent in time",
        "—",
        f"{run.args.vote_rate:g}/s",
        verdict(achieved >= 0.95 * run.args.vote_rate and success(statuses) == total),
    )
    run.add("G4", "vote request p50 / p99 ms", f"{fmt(pct(latencies, 0.5))} / {fmt(pct(latencies, 0.99))}", "—", "", "")
    run.add(
        "G4",
        "tallies exact after the burst (results vs votes answered 2xx)",
        f"{'exact' if exact else 'DIFFER'} ({sum(tallies.values())} vs {sum(sent_votes.values())})",
        "—",
        "exact",
        verdict(exact),
    )
    run.add(
        "G4",
        "tally updates per s: made by the server (mean / most in 1 s); arriving at the coach (most in 1 s)",
        f"{len(made) / seconds:.1f} / {most_in_a_second(made)}; {most_in_a_second(arriving)}",
        "—",
        "≤ 5",
        verdict(max(most_in_a_second(made), most_in_a_second(arriving)) <= 5),
    )
    run.add(
        "G4",
        "frames (other than tally updates) per non-voting socket per vote",
        f"{per_socket_per_vote:.2f}",
        "—",
        "0",
        verdict(per_socket_per_vote < 0.01),
    )


async def idle(run: Run, server: Process, api: Api, _only: set[str]) -> None:
    """G3: 5,000 idle sockets on a fresh worker, in rooms of --idle-room (half JSON, half HTML board sockets):
    memory per connection of each kind, whether all stay open, CPU and /healthz while they idle."""
    total = run.n(5000)
    room = run.args.idle_room
    rooms = max(1, math.ceil(total / room))
    json_sockets: list[tuple[str, dict[str, str]]] = []
    html_sockets: list[tuple[str, dict[str, str]]] = []
    started = time.perf_counter()
    for number in range(rooms):
        workshop = await api.workshop(f"Lasttest ruhig {number}", [COLLECT])
        size = min(room, total - number * room)
        await api.join_api(workshop, size // 2)
        await api.join_html(workshop, size - size // 2)
        after = str(await api.last_seq(workshop))
        json_sockets += [
            (url.replace("{after}", after), headers)
            for url, headers in (json_socket(server, workshop, token) for token in workshop.json_tokens)
        ]
        html_sockets += [
            (url.replace("{after}", after), headers)
            for url, headers in (html_socket(server, workshop, cookies) for cookies in workshop.html_cookies)
        ]
    print(f"  ({total} participants joined in {time.perf_counter() - started:.0f} s)", flush=True)
    processes = max(run.args.client_processes, math.ceil(total / 2 / 1500))
    swarms: list[Swarm] = []
    kib: list[float] = []
    try:
        connect_start = time.perf_counter()
        for sockets in (json_sockets, html_sockets):
            rss_before = rss_kib([server.pid])
            swarm = Swarm(sockets, run.workdir, 0, processes)
            swarms.append(swarm)
            await swarm.start(limit=run.args.idle_connect_timeout)
            await settle([server.pid], limit=60)
            kib.append((rss_kib([server.pid]) - rss_before) / max(swarm.opened, 1))
        connected_in = time.perf_counter() - connect_start
        cpu_start = cpu_seconds([server.pid])
        await asyncio.sleep(10)
        idle_cpu = cpu_seconds([server.pid]) - cpu_start
        async with httpx.AsyncClient(timeout=10) as http:
            begun = time.perf_counter()
            await http.get(f"{server.url}/healthz")
            health_ms = (time.perf_counter() - begun) * 1000
        still_open = 0
        for swarm in swarms:
            still_open += (await swarm.stats())[1]
    finally:
        for swarm in swarms:
            await swarm.stop()
            swarm.kill()
    (base_open, base_kib), _ = await baseline_fanout_idle(run, total)
    run.add(
        "G3",
        f"{total} idle sockets on one worker (workshops of ≤ {room}): open after 10 s idle",
        f"{still_open}/{total} (connecting took {connected_in:.0f} s, healthz {health_ms:.0f} ms, "
        f"idle CPU {100 * idle_cpu / 10:.0f} %)",
        f"{base_open}/{total}",
        "all",
        verdict(still_open == total and server.alive()),
    )
    for kind, value in zip(("JSON", "HTML"), kib, strict=False):
        run.add(
            "G3",
            f"KiB per connection, {kind} sockets (fresh worker, {total // 2} idle)",
            fmt(value),
            fmt(base_kib),
            "≤ 40",
            verdict(value <= 40),
        )


async def baseline_fanout_idle(run: Run, total: int) -> tuple[tuple[int, float], None]:
    baseline = await start_baseline()
    swarm = Swarm(
        [(f"{baseline.ws}/", {}) for _ in range(total)],
        run.workdir,
        0,
        max(run.args.client_processes, math.ceil(total / 1500)),
    )
    try:
        before = rss_kib([baseline.pid])
        await swarm.start()
        await asyncio.sleep(5)
        after = rss_kib([baseline.pid])
        _frames, still_open, _fetching, _size = await swarm.stats()
        return (still_open, (after - before) / max(swarm.opened, 1)), None
    finally:
        await swarm.stop()
        swarm.kill()
        baseline.stop()


async def page_sizes(run: Run, server: Process, api: Api, _only: set[str]) -> None:
    """G7: board page bytes and time at growing card counts, coach / guest / projector; /healthz meanwhile."""
    sizes = sorted(int(size) for size in run.args.g7_sizes.split(","))
    workshop = await api.workshop("Lasttest Seiten", [COLLECT])
    posters = max(50, sizes[-1] // 2)  # per-person limits: a few cards each, rotated; refused ones go elsewhere
    await api.join_api(workshop, posters)
    await api.join_html(workshop, 1)
    guest = workshop.html_cookies[0]
    coach = await api.coach_cookie()
    posted, refused, turn = 0, 0, 0
    async with httpx.AsyncClient(base_url=server.url, timeout=run.args.page_timeout) as http:
        for size in sizes:

            async def post_one(number: int) -> None:
                nonlocal refused, turn
                for _attempt in range(posters):
                    turn += 1
                    token = workshop.json_tokens[turn % posters]
                    response = await http.post(
                        f"/api/workshops/{workshop.id}/ideas",
                        json={"text": CARD_TEXT.format(n=number)},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    if 200 <= response.status_code < 300:
                        return
                    refused += 1
                    if response.status_code != 429:
                        raise RuntimeError(f"posting for G7: {response.status_code} {response.text[:200]}")

            await bounded([lambda n=n: post_one(n) for n in range(posted, size)], 8)
            posted = size
            for role, path, cookies in (  # the coach last: today it holds the worker longest
                ("guest", "board", guest),
                ("projector", "beamer", coach),
                ("coach", "board", coach),
            ):
                if size <= 400:  # warm: templates compiled, caches filled (the first fetch is slower)
                    await timed_page(http, f"/w/{workshop.id}/{path}", cookies, run.args.page_timeout)
                page, seconds, health = await timed_page(
                    http, f"/w/{workshop.id}/{path}", cookies, run.args.page_timeout
                )
                if page is None:
                    run.add(
                        "G7",
                        f"{role} board, {size} cards",
                        f"no answer within {run.args.page_timeout:.0f} s (healthz max {health:.0f} ms)",
                        "—",
                        "",
                        verdict(False),
                    )
                    continue
                per_card = page / size
                target = {"coach": 2.5, "guest": 1.5}.get(role)
                ok = health <= 100 and (target is None or per_card / 1024 <= target)
                run.add(
                    "G7",
                    f"{role} board, {size} cards: KB, KB/card, s (slowest /healthz meanwhile)",
                    f"{page / 1024:.0f} KB, {per_card / 1024:.2f} KB/card, {seconds:.2f} s ({health:.0f} ms)",
                    "—",
                    f"≤ {target} KB/card; /healthz ≤ 100 ms" if target else "/healthz ≤ 100 ms",
                    verdict(ok),
                )
    if refused:
        run.notes.append(f"G7: {refused} card posts refused while filling the board (rotated to other participants)")


async def timed_page(
    http: httpx.AsyncClient, path: str, cookies: dict[str, str], limit: float
) -> tuple[int | None, float, float]:
    """Bytes and seconds of one page, and the slowest /healthz answer on the same worker meanwhile."""
    health: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=str(http.base_url), timeout=limit) as other:
            while not done.is_set():
                begun = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    await other.get("/healthz")
                health.append((time.perf_counter() - begun) * 1000)
                await asyncio.sleep(0.05)

    prober = asyncio.create_task(probe())
    begun = time.perf_counter()
    try:
        response = await http.get(path, cookies=cookies)
        size: int | None = len(response.content) if response.status_code == 200 else None
    except httpx.HTTPError:
        size = None
    seconds = time.perf_counter() - begun
    done.set()
    await prober
    return size, seconds, max(health, default=math.nan)


# --- G1 on two workers: PostgreSQL + Redis -------------------------------------------------------------


async def two_workers(run: Run) -> None:
    tmp = run.workdir / "cluster"
    tmp.mkdir()
    name, url = await create_pg_database()
    servers: list[Process] = []
    api: Api | None = None
    try:
        env = werkstatt_env(url, tmp, REDIS)
        await asyncio.to_thread(upgrade, url, env)
        seed = await seed_network(url)
        servers = [await start_werkstatt(env, tmp / f"worker-{index}.log") for index in range(2)]
        api = Api(servers[0].url, seed)
        await api.login()
        people = run.n(2000)
        workshop = await api.workshop("Lasttest zwei Worker", [COLLECT])
        await api.join_api(workshop, people)
        sockets = [json_socket(servers[index % 2], workshop, token) for index, token in enumerate(workshop.json_tokens)]
        live = Live(run, [server.pid for server in servers], sockets, await api.last_seq(workshop))
        baselines: list[Process] = []
        base_live: Live | None = None
        try:
            await live.connect()
            baselines, base_live, broadcast = await baseline_live(run, people, servers=2)
            poster = card_poster(run, servers, workshop, workshop.json_tokens)
            window, base_window = await paired(run, live, poster, base_live, broadcast, 0)
            await broadcast.close()
            ours = fanout(await live.stop(), window, live.opened)
            base = fanout(await base_live.stop(), base_window, base_live.opened)
        finally:
            live.swarm.kill()
            if base_live is not None:
                base_live.swarm.kill()
            for process in baselines:
                process.stop()
        label = f"{people} JSON sockets, 2 workers, PostgreSQL + Redis"
        connect_row(run, "G1", label, live, base_live)
        fanout_rows(run, "G1", label, ours, base)
        run.add(
            "G1",
            "2 workers: CPU µs per delivery (both workers)",
            fmt(ours.us_per_delivery),
            fmt(base.us_per_delivery),
            "",
            "",
        )
    finally:
        if api is not None:
            await api.close()
        for server in servers:
            server.stop()
        await drop_pg_database(name)


# --- the table -------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = ["| G | measure | Werkstatt | plain websockets (same run) | target | met |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {r.g} | {r.measure} | {r.werkstatt} | {r.baseline} | {r.target} | {r.met} |"
        for r in sorted(rows, key=lambda r: r.g.replace("F", "G9"))
    ]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", default="G1,G2,G3,G4,G5,G6,G7,F", help="comma-separated, e.g. G2,G6 (F: one participant floods)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count of sockets, people, votes")
    parser.add_argument("--rate", type=float, default=20.0, help="cards per second (G1, G2, G3, G5, G6)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of posting per fan-out run")
    parser.add_argument("--vote-rate", type=float, default=500.0)
    parser.add_argument("--vote-seconds", type=float, default=6.0)
    parser.add_argument("--g7-sizes", default="50,200,400,2000")
    parser.add_argument("--page-timeout", type=float, default=60.0, help="seconds one G7 page may take")
    parser.add_argument("--idle-connect-timeout", type=float, default=240.0)
    parser.add_argument("--idle-room", type=int, default=250, help="G3: idle sockets per workshop")
    parser.add_argument("--client-processes", type=int, default=2, help="client processes per swarm (more for G3)")
    parser.add_argument("--g6-cards", type=int, default=50, help="cards on the board before the G6 commands")
    parser.add_argument("--g6-fetch", type=int, default=100, help="G6: boards that fetch like browsers when told")
    parser.add_argument("--g6-wait", type=float, default=30.0, help="G6: seconds to wait for the fetches per command")
    parser.add_argument("--no-cluster", action="store_true", help="skip the two-worker part of G1")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (Markdown) to this file")
    args = parser.parse_args()
    only = {part.strip().upper() for part in args.only.split(",") if part.strip()}
    raise_file_limit()
    stop_on_exit()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="werkstatt-bench-") as tmp:
        run = Run(args, Path(tmp))
        print(f"bench: {', '.join(sorted(only))} at scale {args.scale:g}", flush=True)
        await embedded(run, only)
        if "G1" in only and not args.no_cluster:
            started = time.perf_counter()
            try:
                await two_workers(run)
            except Exception as error:
                run.notes.append(f"G1 two workers: failed with {type(error).__name__}: {str(error)[:300]}")
            print(f"  (two workers: {time.perf_counter() - started:.0f} s)", flush=True)
    print(
        f"\nWerkstatt live-board benchmarks ({time.perf_counter() - began:.0f} s, scale {args.scale:g}, "
        f"{args.rate:g} cards/s for {args.seconds:g} s)\n"
    )
    print(table(run.rows))
    for note in run.notes:
        print(f"- {note}")
    if args.out:
        args.out.write_text(table(run.rows) + "\n" + "".join(f"- {note}\n" for note in run.notes))


if __name__ == "__main__":
    asyncio.run(main())
