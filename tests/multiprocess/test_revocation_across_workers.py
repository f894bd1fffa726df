"""Revocation across workers: a token revoked on worker A closes the socket it opened on worker B within a
second (4410), and a command sent on that socket is refused; the workshop stays as it was."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import UUID

import httpx
import pytest
import websockets
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.live.hub import REVOKED
from werkstatt.network.auth import create_api_token
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.models import Workshop
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import Actor, create_workshop


async def _coach_with_tokens(database_url: str) -> tuple[str, list[str]]:
    """A live workshop and two API tokens of its coach."""
    from werkstatt.board.service import start_step

    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "Widerruf",
                "agenda": [{"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}}],
            }
        )
        workshop = await create_workshop(db, coach, data)
        await start_step(db, Actor(workshop, None, coach, is_coach=True), 0)
        await db.commit()
        tokens = [(await create_api_token(db, coach.id, f"Test {index}", 30))[1] for index in range(2)]
        await db.commit()
        workshop_id = str(workshop.id)
    await engine.dispose()
    return workshop_id, tokens


async def _locked(database_url: str, workshop_id: str) -> bool:
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        locked = await db.scalar(select(Workshop.locked).where(Workshop.id == UUID(workshop_id)))
    await engine.dispose()
    return bool(locked)


async def _close_code(socket: websockets.ClientConnection, seconds: float) -> int:
    """Read until the server closes; fails when that takes longer than `seconds`."""
    async with asyncio.timeout(seconds):
        try:
            while True:
                await socket.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
async def test_a_token_revoked_on_one_worker_closes_its_socket_on_the_other(
    cluster: list[Server], pg_database: str
) -> None:
    first, second = cluster
    workshop_id, (revoked, kept) = await _coach_with_tokens(pg_database)
    url = f"{second.url.replace('http', 'ws')}/api/workshops/{workshop_id}/live?after=1"
    async with (
        websockets.connect(url, additional_headers={"Authorization": f"Bearer {revoked}"}) as socket,
        websockets.connect(url, additional_headers={"Authorization": f"Bearer {kept}"}) as other,
        httpx.AsyncClient(timeout=10) as http,
    ):
        await socket.send(json.dumps({"type": "ping"}))
        while json.loads(await socket.recv()).get("type") != "pong":
            pass  # presence may come first
        began = time.monotonic()
        response = await http.delete(f"{first.url}/api/auth/token", headers={"Authorization": f"Bearer {revoked}"})
        assert response.status_code == 204, response.text
        # Sent at once, racing the close: refused either way (an error frame, or the socket is already gone).
        refused = None
        try:
            await socket.send(json.dumps({"type": "lock"}))
        except websockets.ConnectionClosed:
            refused = "closed"
        code = await _close_code(socket, 1.0)
        took = time.monotonic() - began
        assert code == REVOKED
        assert took < 1.0, f"closed after {took:.3f} s"
        print(f"revoked on worker A, socket on worker B closed after {took * 1000:.0f} ms ({refused or 'sent'})")
        # The other token's socket stays open and may still act.
        await other.send(json.dumps({"type": "ping"}))
        while json.loads(await asyncio.wait_for(other.recv(), timeout=5)).get("type") != "pong":
            pass
        again = await http.get(f"{second.url}/api/networks", headers={"Authorization": f"Bearer {revoked}"})
        assert again.status_code == 401
    assert not await _locked(pg_database, workshop_id), "the command on the revoked socket was refused"
