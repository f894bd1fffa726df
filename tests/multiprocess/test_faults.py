"""Faults on the live path, with two app processes on PostgreSQL and a Redis of this module's own (so that it
can be stopped): SIGTERM closes sockets with 1012 and the clients go on at the other worker; Redis stopped and
restarted (writes go on, the boards follow from the event log meanwhile, pub/sub resumes); SIGTERM during a
Redis outage still shuts down; news lost between a commit and its publish (a worker dying right there), then
a worker killed. Every client must end up with every card exactly once, in seq order, without a gap or a
resync. A failed commit broadcasting nothing is tested in tests/board, PostgreSQL restarted in
test_database_restart.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import redis
import websockets
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server, _pg_execute, _pg_url, free_port, missing, server_env, start_server
from tests.multiprocess.test_live_across_workers import _live_workshop
from tests.waiting import until
from werkstatt.board.service import post_idea
from werkstatt.db import create_sessionmaker
from werkstatt.workshops.service import resolve_actor

pytestmark = [pytest.mark.multiprocess, pytest.mark.postgres, pytest.mark.redis]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
log = logging.getLogger(__name__)


# --- a Redis that this test may stop ----------------------------------------------------------------------


@dataclass
class PrivateRedis:
    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with (self.folder / "redis.log").open("ab") as log_file:
            self.process = subprocess.Popen([*args, "--dir", str(self.folder)], stdout=log_file, stderr=log_file)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError), self.client() as client:
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def subscribers(self, channel: str) -> int:
        """How many connections (here: workers) listen on the channel; -1 while Redis does not answer."""
        try:
            with self.client() as client:
                return int(dict(client.pubsub_numsub(channel))[channel.encode()])
        except redis.RedisError:
            return -1


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    if not Path(REDIS_SERVER).exists():
        missing(f"redis-server fehlt ({REDIS_SERVER})")
    instance = PrivateRedis(free_port(), tmp_path_factory.mktemp("redis"))
    instance.start()
    yield instance
    instance.kill()


@pytest.fixture(scope="module")
def fault_database(pg_template: str) -> Iterator[str]:
    """One database for the module (each test makes its own workshop): the app processes outlive a test."""
    name = f"werkstatt_f_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield _pg_url(name)
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Fleet:
    """The `cluster` topology (two app processes, one database, one Redis) on the private Redis. Starting
    processes is most of these tests' time: they are shared by the module, and a test that ends one gets a
    fresh one at the start of the next."""

    env: dict[str, str]
    folder: Path
    servers: list[Server] = field(default_factory=list)
    started: int = 0

    def revive(self) -> list[Server]:
        """Replace dead processes, one after the other (started side by side they may miss the start-up
        deadline on a busy machine); each is in `servers` at once, so the module's teardown stops it."""
        for index, server in enumerate(self.servers):
            if server.process.poll() is not None:
                self.servers[index] = self._start()
        while len(self.servers) < 2:
            self.servers.append(self._start())
        return list(self.servers)

    def _start(self) -> Server:
        self.started += 1
        return start_server(self.env, self.folder / f"worker-{self.started}.log")


@pytest.fixture(scope="module")
def fleet(
    fault_database: str, private_redis: PrivateRedis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fleet]:
    folder = tmp_path_factory.mktemp("workers")
    # One writer posts a card every 50 ms here: more than a person may (a burst of 5, then one every 2 s).
    env = server_env(fault_database, folder, WERKSTATT_REDIS_URL=private_redis.url, WERKSTATT_POST_BURST="100")
    instance = Fleet(env, folder)
    yield instance
    for server in instance.servers:
        server.stop()


@pytest.fixture
def workers(fleet: Fleet, private_redis: PrivateRedis) -> list[Server]:
    """Two running workers and a running Redis, whatever the previous test did to them."""
    if private_redis.process is None or private_redis.process.poll() is not None:
        private_redis.start()
    return fleet.revive()


# --- API clients ------------------------------------------------------------------------------------------


@dataclass
class Listener:
    """One JSON websocket client that remembers what it received and reconnects with ?after=<its last seq>."""

    workshop_id: str
    token: str
    events: list[dict[str, Any]] = field(default_factory=list)
    resyncs: int = 0
    close_code: int | None = None
    closed_at: float | None = None
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0

    def texts(self) -> list[str]:
        return [e["data"]["idea"]["text"] for e in self.events if e["type"] == "idea_posted"]

    def connect(self, server: Server, after: int) -> None:
        self.opened.clear()
        self.close_code = self.closed_at = None
        self.task = asyncio.create_task(self._run(server, after))

    async def _run(self, server: Server, after: int) -> None:
        url = f"{server.url.replace('http', 'ws')}/api/workshops/{self.workshop_id}/live?after={after}"
        headers = {"Authorization": f"Bearer {self.token}"}
        async with websockets.connect(url, additional_headers=headers, open_timeout=10) as socket:
            self.opened.set()
            with contextlib.suppress(websockets.ConnectionClosed):
                async for raw in socket:
                    message = json.loads(raw)
                    if "seq" in message:
                        self.events.append(message)
                    elif message.get("type") == "resync":
                        self.resyncs += 1
            self.closed_at = time.monotonic()
            self.close_code = socket.close_code if socket.close_code is not None else 1006

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class Workshop:
    def __init__(self, http: httpx.AsyncClient, workshop_id: str, code: str) -> None:
        self.http, self.id, self.code = http, workshop_id, code
        self.posted: list[str] = []

    async def join(self, server: Server, name: str) -> str:
        joined = await self.http.post(f"{server.url}/api/join", json={"code": self.code, "display_name": name})
        assert joined.status_code == 201, joined.text
        return str(joined.json()["token"])

    async def last_seq(self, server: Server, token: str) -> int:
        events = await self.http.get(
            f"{server.url}/api/workshops/{self.id}/events", headers={"Authorization": f"Bearer {token}"}
        )
        return int(events.json()[-1]["seq"])

    async def post(self, server: Server, token: str, text: str) -> None:
        response = await self.http.post(
            f"{server.url}/api/workshops/{self.id}/ideas",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        self.posted.append(text)

    async def listeners(self, placement: list[Server]) -> list[tuple[Listener, Server]]:
        """A guest listening on each server given, all from the same seq on."""
        tokens = [await self.join(server, f"Gast {index}") for index, server in enumerate(placement)]
        after = await self.last_seq(placement[0], tokens[0])
        made = [(Listener(self.id, token), server) for token, server in zip(tokens, placement, strict=True)]
        for listener, server in made:
            listener.events.append({"seq": after, "type": "start"})  # the point each one starts from
            listener.connect(server, after)
        await asyncio.wait_for(asyncio.gather(*(listener.opened.wait() for listener, _ in made)), timeout=15)
        return made


def has_all(listeners: list[Listener], texts: list[str]) -> Callable[[], bool]:
    return lambda: all(set(texts) <= set(listener.texts()) for listener in listeners)


def assert_exact(listeners: list[Listener], texts: list[str]) -> None:
    """Every card exactly once; seqs strictly rising without a gap, across reconnections; no resync."""
    for listener in listeners:
        assert sorted(listener.texts()) == sorted(texts), listener.texts()
        seqs = [event["seq"] for event in listener.events]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"gap or duplicate: {seqs}"
        assert listener.resyncs == 0


def logs(servers: list[Server]) -> str:
    return "\n".join(server.log.read_text()[-3000:] for server in servers)


async def live_workshop(http: httpx.AsyncClient, database_url: str) -> Workshop:
    workshop_id, code = await _live_workshop(database_url)
    return Workshop(http, workshop_id, code)


# --- the faults -------------------------------------------------------------------------------------------


async def test_sigterm_closes_sockets_with_1012_and_clients_go_on_at_the_other_worker(
    workers: list[Server], fault_database: str
) -> None:
    going, staying = workers
    async with httpx.AsyncClient(timeout=10) as http:
        workshop = await live_workshop(http, fault_database)
        placed = await workshop.listeners([going, going, going, staying])
        listeners = [listener for listener, _ in placed]
        movers = listeners[:3]
        poster = await workshop.join(staying, "Schreiberin")
        await workshop.post(going, poster, "vor dem Neustart")
        await until(has_all(listeners, workshop.posted), 10, "the first card everywhere")

        sent_at = time.monotonic()
        going.process.send_signal(signal.SIGTERM)

        async def post_meanwhile() -> None:
            for index in range(8):
                await workshop.post(staying, poster, f"während {index}")
                await asyncio.sleep(0.05)

        meanwhile = asyncio.create_task(post_meanwhile())
        await until(lambda: all(m.close_code is not None for m in movers), 5, f"1012 to all\n{logs(workers)}")
        assert [m.close_code for m in movers] == [1012, 1012, 1012]
        closing = max(m.closed_at or 0 for m in movers) - sent_at
        assert closing < 2, f"sockets closed {closing:.2f} s after SIGTERM"
        for mover in movers:  # what a browser behind the proxy does: the same URL, now answered by the other
            mover.connect(staying, mover.last_seq)
        await meanwhile
        for index in range(2):
            await workshop.post(staying, poster, f"nach {index}")
        took = await until(has_all(listeners, workshop.posted), 10, f"every card everywhere\n{logs(workers)}")
        going.process.wait(timeout=10)  # uvicorn re-raises the signal after a clean shutdown (exit status -15)
        assert "Application shutdown complete" in going.log.read_text(), logs([going])
        log.warning("SIGTERM: 1012 after %.3f s; all cards everywhere %.2f s after the last post", closing, took)
        for listener in listeners:
            await listener.stop()
    assert_exact(listeners, workshop.posted)


async def test_redis_stopped_and_restarted_writes_go_on_and_fan_out_resumes(
    workers: list[Server], fault_database: str, private_redis: PrivateRedis
) -> None:
    first, second = workers
    async with httpx.AsyncClient(timeout=10) as http:
        workshop = await live_workshop(http, fault_database)
        channel = f"workshop:{workshop.id}"
        placed = await workshop.listeners([first, first, second, second])
        listeners = [listener for listener, _ in placed]
        poster = await workshop.join(first, "Schreiber")
        await workshop.post(first, poster, "vor dem Ausfall")
        await until(has_all(listeners, workshop.posted), 10, "the first card everywhere")
        assert await asyncio.to_thread(private_redis.subscribers, channel) == 2

        private_redis.kill()
        for index in range(3):  # the database is the record: writes go on
            await workshop.post(first if index % 2 else second, poster, f"ohne Redis {index}")
        # Without Redis the hubs still notice the log moved on (a look every 2 s) and deliver from it.
        degraded = await until(has_all(listeners, workshop.posted), 10, f"cards without Redis\n{logs(workers)}")
        late = Listener(workshop.id, await workshop.join(second, "Nachzüglerin"))
        late.events.append({"seq": listeners[0].events[0]["seq"], "type": "start"})
        late.connect(second, late.last_seq)  # joining a board while Redis is away works too
        listeners.append(late)
        await until(has_all(listeners, workshop.posted), 10, "the late socket replays")

        restarted_at = time.monotonic()
        await asyncio.to_thread(private_redis.start)
        resubscribed = await until(
            lambda: private_redis.subscribers(channel) == 2, 10, f"both workers subscribe again\n{logs(workers)}"
        )
        posted_at = time.monotonic()
        for index in range(2):
            await workshop.post(second if index else first, poster, f"nach dem Ausfall {index}")
        resumed = await until(has_all(listeners, workshop.posted), 10, f"fan-out after restart\n{logs(workers)}")
        for server in workers:
            assert (await http.get(f"{server.url}/healthz")).json()["broker"] == "ok"
        log.warning(
            "Redis: without it cards arrived after %.2f s; resubscribed %.2f s after restart; "
            "first posts after that everywhere in %.2f s",
            degraded,
            resubscribed,
            resumed + (posted_at - restarted_at - resubscribed),
        )
        for listener in listeners:
            await listener.stop()
    assert_exact(listeners, workshop.posted)


async def test_sigterm_while_redis_is_down_still_closes_with_1012_and_exits(
    workers: list[Server], fault_database: str, private_redis: PrivateRedis
) -> None:
    """A deploy during a Redis outage: the worker must not hang in its shutdown on news it cannot publish."""
    going, staying = workers
    async with httpx.AsyncClient(timeout=10) as http:
        workshop = await live_workshop(http, fault_database)
        placed = await workshop.listeners([going, going, staying])
        listeners = [listener for listener, _ in placed]
        movers = listeners[:2]
        poster = await workshop.join(staying, "Schreiber")
        await workshop.post(going, poster, "vorher")
        await until(has_all(listeners, workshop.posted), 10, "the first card everywhere")

        private_redis.kill()
        await workshop.post(going, poster, "ohne Redis, vor dem Neustart")
        sent_at = time.monotonic()
        going.process.send_signal(signal.SIGTERM)
        await until(lambda: all(m.close_code is not None for m in movers), 5, f"1012 to all\n{logs(workers)}")
        assert [m.close_code for m in movers] == [1012, 1012]
        await asyncio.to_thread(going.process.wait, 10)
        exited = time.monotonic() - sent_at
        assert "Application shutdown complete" in going.log.read_text(), logs([going])
        for mover in movers:
            mover.connect(staying, mover.last_seq)
        await workshop.post(staying, poster, "ohne Redis, nach dem Neustart")
        await until(has_all(listeners, workshop.posted), 10, f"every card everywhere\n{logs(workers)}")
        log.warning("SIGTERM without Redis: the worker was gone %.2f s after the signal", exited)
        for listener in listeners:
            await listener.stop()
    assert_exact(listeners, workshop.posted)


async def _commit_without_publish(database_url: str, workshop_id: str, token: str, text: str) -> None:
    """Exactly what a worker leaves behind that dies after its commit and before its publish."""
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        actor = await resolve_actor(db, UUID(workshop_id), account=None, session=None, bearer=token)
        await post_idea(db, actor, text)
        await db.commit()
    await engine.dispose()


async def test_news_lost_between_commit_and_publish_and_a_killed_worker_lose_nothing(
    workers: list[Server], fault_database: str
) -> None:
    doomed, survivor = workers
    async with httpx.AsyncClient(timeout=10) as http:
        workshop = await live_workshop(http, fault_database)
        placed = await workshop.listeners([doomed, doomed, survivor, survivor])
        listeners = [listener for listener, _ in placed]
        poster = await workshop.join(survivor, "Schreiberin")
        await workshop.post(survivor, poster, "vorher")
        await until(has_all(listeners, workshop.posted), 10, "the first card everywhere")

        # The last card of a quiet moment: its news never comes, the hubs' look at the log finds it.
        await _commit_without_publish(fault_database, workshop.id, poster, "verloren, nichts danach")
        workshop.posted.append("verloren, nichts danach")
        quiet = await until(has_all(listeners, workshop.posted), 10, f"lost last card\n{logs(workers)}")
        # A lost card followed by a published one: the gap is filled from the log (not a resync).
        await _commit_without_publish(fault_database, workshop.id, poster, "verloren, dann weiter")
        workshop.posted.append("verloren, dann weiter")
        await workshop.post(survivor, poster, "danach")
        gap = await until(has_all(listeners, workshop.posted), 10, f"lost card before a gap\n{logs(workers)}")

        doomed.process.kill()
        movers = [listener for listener, server in placed if server is doomed]
        await until(lambda: all(m.close_code is not None for m in movers), 5, "sockets of the killed worker end")
        for mover in movers:
            mover.connect(survivor, mover.last_seq)
        await workshop.post(survivor, poster, "nach dem Absturz")
        await until(has_all(listeners, workshop.posted), 10, f"after the crash\n{logs(workers)}")
        log.warning("lost news: last card after %.2f s, card before a gap after %.2f s", quiet, gap)
        for listener in listeners:
            await listener.stop()
    assert_exact(listeners, workshop.posted)
