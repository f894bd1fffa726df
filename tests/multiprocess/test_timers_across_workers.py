"""Two app processes on one PostgreSQL database and Redis, and no browser: a step timer that runs out
auto-advances exactly once (both workers sweep every second), and a socket on either worker hears of it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.auth import create_api_token
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {"title": f"Runde {index}", "minutes": 5, "board": {"mechanic": "timer", "config": {"auto_advance": True}}}
    for index in range(3)
]


async def _workshop_and_token(database_url: str) -> tuple[str, str]:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Takt", "agenda": AGENDA})
        workshop = await create_workshop(db, coach, data)
        await db.commit()
        _row, token = await create_api_token(db, coach.id, "Takt", 30)
        await db.commit()  # services record; the caller's unit of work commits
        workshop_id = str(workshop.id)
    await engine.dispose()
    return workshop_id, token


def _events(server: Server, workshop_id: str, token: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.url}/api/workshops/{workshop_id}/events?after=0", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def _until_step(server: Server, workshop_id: str, token: str, position: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        events = _events(server, workshop_id, token)
        if any(e["type"] == "step_started" and e["data"]["step"]["position"] == position for e in events):
            return events
        time.sleep(0.1)
    raise AssertionError(f"step {position} never started: {[e['type'] for e in events]}")


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
async def test_a_timer_running_out_advances_once_across_two_workers(cluster: list[Server], pg_database: str) -> None:
    first, second = cluster
    workshop_id, token = await _workshop_and_token(pg_database)
    auth = {"Authorization": f"Bearer {token}"}

    def command(server: Server, **body: Any) -> None:
        response = httpx.post(f"{server.url}/api/workshops/{workshop_id}/commands", json=body, headers=auth)
        assert response.status_code == 200, response.text

    command(first, type="start_step", step=0)
    url = f"{second.url.replace('http', 'ws')}/api/workshops/{workshop_id}/live?after=1"
    async with websockets.connect(url, additional_headers=auth, origin="http://127.0.0.1") as socket:  # type: ignore[arg-type]
        await asyncio.to_thread(command, first, type="start_timer", seconds=1)
        heard: list[dict[str, Any]] = []
        async with asyncio.timeout(15):
            while not any(m.get("type") == "step_started" for m in heard):
                heard.append(json.loads(await socket.recv()))
    assert [m["data"]["step"]["position"] for m in heard if m.get("type") == "step_started"] == [1]
    # A second round, started on the other worker: by the time step 2 has started, step 1's expiry has been
    # swept by both workers many times over.
    await asyncio.to_thread(command, second, type="start_timer", seconds=1)
    events = await asyncio.to_thread(_until_step, first, workshop_id, token, 2)
    events = await asyncio.to_thread(_events, second, workshop_id, token)
    started = [e["data"]["step"]["position"] for e in events if e["type"] == "step_started"]
    assert started == [0, 1, 2], f"exactly one step_started per run-out timer: {[e['type'] for e in events]}"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events] == [
        "step_started",
        "timer_changed",
        "step_started",
        "timer_changed",
        "step_started",
    ]
