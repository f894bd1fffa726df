"""Logout ends the session and closes the websockets it opened (also when the socket never writes)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, start
from tests.conftest import csrf_headers
from tests.factories import make_account, sign_in
from werkstatt.network.models import Network, Role
from werkstatt.settings import Settings


def drain(socket: Any) -> None:
    for _ in range(10):
        socket.receive_text(timeout=5)


async def test_logout_closes_the_coach_socket(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    headers = await csrf_headers(coach_client)
    with await coach_client.websocket_connect(
        f"/w/{workshop.id}/live?after=1", headers={"origin": "http://testserver.local"}
    ) as socket:
        response = await coach_client.post("/abmelden", headers=headers, follow_redirects=False)
        assert response.status_code == 303
        with pytest.raises(WebSocketDisconnect) as closed:
            drain(socket)
        assert closed.value.code == 4401
    board = await coach_client.get(f"/w/{workshop.id}")
    assert board.status_code == 404


async def test_locking_an_account_closes_its_sockets(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    """A network admin locks the coach's account: the coach's open board closes (4401) on the spot."""
    await start(coach_client, workshop)
    network = await db.get(Network, UUID(workshop.network_id))
    admin = await make_account(db, Role.network_admin, network)
    with await coach_client.websocket_connect(
        f"/w/{workshop.id}/live?after=1", headers={"origin": "http://testserver.local"}
    ) as socket:
        coach_client.cookies.clear()
        await sign_in(coach_client, db, settings, admin)
        headers = await csrf_headers(coach_client)
        response = await coach_client.post(
            f"/verwaltung/{workshop.network_id}/konten/{workshop.coach.id}/aktiv",
            data={"active": "0", "_csrf_token": headers["x-csrftoken"]},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        with pytest.raises(WebSocketDisconnect) as closed:
            drain(socket)
        assert closed.value.code == 4401
