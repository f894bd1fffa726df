"""`/metrics` sums every worker: two app processes on PostgreSQL + Redis write their metrics to one folder
(prometheus-client's multiprocess mode), and whichever answers the scrape reports both; `werkstatt serve
--workers 2` makes that folder itself."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.board.test_metrics import TOKEN, samples, value
from tests.conftest import Server, free_port, run_cli, server_env, start_server
from tests.multiprocess.test_live_across_workers import _live_workshop

SOCKETS_PER_WORKER = 3
CARDS = 4


def scrape(server: Server) -> str:
    response = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def sockets_by_worker(text: str) -> dict[str, float]:
    return {
        dict(labels)["pid"]: count
        for (name, labels), count in samples(text).items()
        if name == "werkstatt_sockets_open"
    }


async def _listen(server: Server, workshop_id: str, token: str, ready: asyncio.Event, wanted: int) -> list[str]:
    url = server.url.replace("http", "ws") + f"/api/workshops/{workshop_id}/live?after=0"
    texts: list[str] = []
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        ready.set()
        while len(texts) < wanted:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=20))
            if message.get("type") == "idea_posted":
                texts.append(message["data"]["idea"]["text"])
    return texts


async def _room(servers: list[Server], workshop_id: str, code: str) -> dict[str, Any]:
    """Sockets on each server, CARDS posted; returns what each listener got and the scrapes while open."""
    async with httpx.AsyncClient(timeout=20) as http:
        # One guest per socket: a participant may hold only a few sockets, and posts a few cards at a time.
        guests = [
            (await http.post(f"{servers[0].url}/api/join", json={"code": code, "display_name": f"Gast {n}"})).json()
            for n in range(len(servers) * SOCKETS_PER_WORKER)
        ]
        listeners, readies = [], []
        for n, server in enumerate(servers):
            for k in range(SOCKETS_PER_WORKER):
                ready = asyncio.Event()
                readies.append(ready)
                token = guests[n * SOCKETS_PER_WORKER + k]["token"]
                listeners.append(asyncio.create_task(_listen(server, workshop_id, token, ready, CARDS)))
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 20)
        open_scrapes = [await asyncio.to_thread(scrape, server) for server in servers]
        for index in range(CARDS):
            posted = await http.post(
                f"{servers[index % len(servers)].url}/api/workshops/{workshop_id}/ideas",
                json={"text": f"Karte {index}"},
                headers={"Authorization": f"Bearer {guests[index % len(guests)]['token']}"},
            )
            assert posted.status_code == 201, posted.text
        received = await asyncio.wait_for(asyncio.gather(*listeners), 30)
    return {"received": received, "open": open_scrapes}


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
async def test_two_workers_report_the_sum_of_both(pg_database: str, redis_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    env = server_env(
        pg_database,
        tmp_path,
        WERKSTATT_REDIS_URL=redis_url,
        WERKSTATT_METRICS="true",
        WERKSTATT_METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    )
    assert run_cli(env, "demo").returncode == 0
    servers = [start_server(env, tmp_path / f"worker-{index}.log") for index in range(2)]
    try:
        workshop_id, code = await _live_workshop(pg_database)
        result = await _room(servers, workshop_id, code)
        assert result["received"] == [[f"Karte {index}" for index in range(CARDS)]] * (2 * SOCKETS_PER_WORKER)
        for text in result["open"]:  # either worker answers for both
            by_worker = sockets_by_worker(text)
            assert sorted(by_worker) == sorted(str(server.process.pid) for server in servers)
            assert list(by_worker.values()) == [SOCKETS_PER_WORKER, SOCKETS_PER_WORKER]
        after = await asyncio.to_thread(scrape, servers[1])
        assert value(after, "werkstatt_events_published_total") >= CARDS
        delivered = value(after, "werkstatt_events_delivered_total")
        assert delivered >= CARDS * 2 * SOCKETS_PER_WORKER
        assert value(after, "werkstatt_delivery_latency_seconds_count") >= CARDS * 2  # once per audience and worker
        servers[0].stop()  # a worker gone: its sockets leave the gauge, its counts stay in the sums
        gone = await asyncio.to_thread(scrape, servers[1])
        assert list(sockets_by_worker(gone)) == [str(servers[1].process.pid)]
        assert value(gone, "werkstatt_events_delivered_total") == delivered
    finally:
        for server in servers:
            server.stop()


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
def test_serve_with_two_workers_makes_the_metrics_folder_and_removes_it(
    pg_database: str, redis_url: str, tmp_path: Path
) -> None:
    env = server_env(
        pg_database,
        tmp_path,
        WERKSTATT_REDIS_URL=redis_url,
        WERKSTATT_METRICS="true",
        WERKSTATT_METRICS_TOKEN=TOKEN,
        WERKSTATT_WORKERS="2",
        TMPDIR=str(tmp_path),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = start_server(env, tmp_path / "serve.log", port=free_port())
    try:
        text = scrape(server)
        assert "werkstatt_events_delivered_total" in text
        folders = list(tmp_path.glob("werkstatt-metrics-*"))
        assert len(folders) == 1
    finally:
        server.process.terminate()  # SIGTERM: a graceful stop removes the folder (give it time on a busy machine)
        server.process.wait(timeout=60)
    assert not folders[0].exists()
