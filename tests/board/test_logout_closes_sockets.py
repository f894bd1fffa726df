"""Logout ends the session and closes the websockets it opened (also when the socket never writes)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, start
from tests.conftest import csrf_headers


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
