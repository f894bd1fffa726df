"""PostgreSQL restarted under a running worker: while it is away, requests answer 503 in German and change
nothing, /healthz says so, the open board sockets stay open; once it is back the pool recovers on the very
next request and the board goes on without a gap. The shared PostgreSQL cannot be restarted from a test, so
the worker reaches it through a TCP link the test cuts (open connections dropped, new ones refused, exactly
what a restart does to a client) and restores."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_HOST, Server, _pg_execute, _pg_url, free_port, server_env, start_server
from tests.multiprocess.test_faults import assert_exact, has_all, live_workshop, until

pytestmark = [pytest.mark.multiprocess, pytest.mark.postgres]
log = logging.getLogger(__name__)


class PostgresLink:
    """127.0.0.1:<port> → PostgreSQL, on its own thread and event loop (the worker's start-up and the test's
    requests must not wait on the test's loop)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="postgres-link", daemon=True)
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()
        self.thread.start()

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)  # type: ignore[arg-type]

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
        for pipe in list(self.pipes):
            pipe.transport.abort()
        if self.server is not None:
            await self.server.wait_closed()
            self.server = None

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(PG_HOST, 5432)
        except OSError:
            writer.transport.abort()
            return
        self.pipes |= {writer, upstream_writer}
        try:
            await asyncio.gather(self._pump(reader, upstream_writer), self._pump(upstream_reader, writer))
        finally:
            self.pipes -= {writer, upstream_writer}

    @staticmethod
    async def _pump(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await source.read(65536):
                target.write(data)
                await target.drain()
        target.transport.abort()


@pytest.fixture
def restart_database(pg_template: str) -> Iterator[str]:
    name = f"werkstatt_r_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield _pg_url(name)
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def linked_worker(restart_database: str, tmp_path: Path) -> Iterator[tuple[Server, PostgresLink]]:
    link = PostgresLink()
    link.restore()
    through_link = restart_database.replace(f"@{PG_HOST}:5432/", f"@127.0.0.1:{link.port}/")
    assert through_link != restart_database
    server = start_server(server_env(through_link, tmp_path), tmp_path / "worker.log")
    yield server, link
    server.stop()
    link.close()


async def test_postgres_restarted_requests_fail_cleanly_and_the_pool_recovers(
    linked_worker: tuple[Server, PostgresLink], restart_database: str
) -> None:
    server, link = linked_worker
    async with httpx.AsyncClient(timeout=10) as http:
        workshop = await live_workshop(http, restart_database)
        ((listener, _),) = await workshop.listeners([server])
        poster = await workshop.join(server, "Schreiber")
        await workshop.post(server, poster, "vor dem Neustart")
        await until(has_all([listener], workshop.posted), 10, "the first card")
        events_url = f"{server.url}/api/workshops/{workshop.id}/events"
        auth = {"Authorization": f"Bearer {poster}"}
        seen_before = len((await http.get(events_url, headers=auth)).json())

        await asyncio.to_thread(link.cut)
        refused = await http.post(
            f"{server.url}/api/workshops/{workshop.id}/ideas", json={"text": "während des Neustarts"}, headers=auth
        )
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["retry-after"] == "5"
        assert "Datenbank" in refused.json()["detail"]
        assert "nicht gespeichert" in refused.json()["detail"]
        page = await http.get(f"{server.url}/methoden")
        assert page.status_code == 503
        assert "Datenbank" in page.text
        health = await http.get(f"{server.url}/healthz")
        assert (health.status_code, health.json()["database"]) == (503, "unreachable")
        await asyncio.sleep(2.5)  # the hub's look at the log fails meanwhile; the socket must stay open
        assert listener.close_code is None

        await asyncio.to_thread(link.restore)
        restored_at = time.monotonic()
        await workshop.post(server, poster, "nach dem Neustart")  # the very next request: no 503 left over
        first_write = time.monotonic() - restored_at
        await until(has_all([listener], workshop.posted), 10, f"the card after\n{server.log.read_text()[-3000:]}")
        health = await http.get(f"{server.url}/healthz")
        assert (health.status_code, health.json()["database"]) == (200, "ok")
        after = (await http.get(events_url, headers=auth)).json()
        assert len(after) == seen_before + 1  # the refused card left nothing behind
        assert "während des Neustarts" not in str(after)
        log.warning("PostgreSQL back: the first write took %.3f s", first_write)
        await listener.stop()
    assert_exact([listener], workshop.posted)
