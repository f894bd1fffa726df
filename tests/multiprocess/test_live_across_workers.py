"""Two app processes on PostgreSQL + Redis: 20 API clients split across them; 20 cards posted on both sides
arrive at every client exactly once and in seq order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import Actor, create_workshop

CLIENTS = 20
CARDS = 20


async def _live_workshop(database_url: str) -> tuple[str, str]:
    from werkstatt.board.service import start_step

    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "Zwei Worker",
                "agenda": [{"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}}],
            }
        )
        workshop = await create_workshop(db, coach, data)
        await start_step(db, Actor(workshop, None, coach, is_coach=True), 0)
        await db.commit()
        result = str(workshop.id), workshop.join_code
    await engine.dispose()
    return result


async def _collect(url: str, token: str, ready: asyncio.Event, counter: list[int], seen: list[dict[str, Any]]) -> None:
    async with websockets.connect(
        url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10
    ) as socket:
        counter[0] += 1
        if counter[0] == CLIENTS:
            ready.set()
        while sum(1 for event in seen if event["type"] == "idea_posted") < CARDS:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=20))
            if "seq" in message:
                seen.append(message)


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
async def test_cards_reach_every_client_once_in_order(cluster: list[Server], pg_database: str) -> None:
    workshop_id, code = await _live_workshop(pg_database)
    async with httpx.AsyncClient(timeout=10) as http:
        tokens = []
        for index in range(CLIENTS):
            server = cluster[index % 2]
            joined = await http.post(f"{server.url}/api/join", json={"code": code, "display_name": f"Gast {index}"})
            assert joined.status_code == 201, joined.text
            tokens.append((server, joined.json()["token"]))
        after = (
            await http.get(
                f"{cluster[0].url}/api/workshops/{workshop_id}/events",
                headers={"Authorization": f"Bearer {tokens[0][1]}"},
            )
        ).json()[-1]["seq"]
        ready = asyncio.Event()
        counter = [0]
        views: list[list[dict[str, Any]]] = [[] for _ in range(CLIENTS)]
        listeners = [
            asyncio.create_task(
                _collect(
                    f"{server.url.replace('http', 'ws')}/api/workshops/{workshop_id}/live?after={after}",
                    token,
                    ready,
                    counter,
                    views[index],
                )
            )
            for index, (server, token) in enumerate(tokens)
        ]
        await asyncio.wait_for(ready.wait(), timeout=20)

        async def post(index: int) -> None:
            server, token = tokens[index % CLIENTS]
            response = await http.post(
                f"{server.url}/api/workshops/{workshop_id}/ideas",
                json={"text": f"Karte {index}"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text

        await asyncio.gather(*(post(index) for index in range(CARDS)))
        done, pending = await asyncio.wait(listeners, timeout=30)
        failures = [task.exception() for task in done if task.exception() is not None]
        assert not failures, failures[:3]
        for task in pending:
            task.cancel()
        counts = [sum(1 for e in view if e["type"] == "idea_posted") for view in views]
        assert not pending, f"cards received per client: {counts}; logs: {[s.log.read_text()[-1500:] for s in cluster]}"
    for view in views:
        cards = [event for event in view if event["type"] == "idea_posted"]
        assert sorted(event["data"]["idea"]["text"] for event in cards) == sorted(f"Karte {i}" for i in range(CARDS))
        seqs = [event["seq"] for event in view]
        assert seqs == sorted(seqs), "events arrive in seq order"
        assert len(seqs) == len(set(seqs)), "every event exactly once"
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "no gap"
