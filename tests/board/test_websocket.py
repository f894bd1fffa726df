"""The live websocket: handshake rules, exact replay, inbound validation and authorisation."""

from __future__ import annotations

import json
import queue
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join, start


def receive_json(socket: Any, timeout: float = 5) -> dict[str, Any]:
    while True:
        message = json.loads(socket.receive_text(timeout=timeout))
        if message.get("type") != "presence":
            return dict(message)


def drain(socket: Any) -> None:
    for _ in range(5):
        socket.receive_text(timeout=5)


def nothing_more(socket: Any, wait: float = 0.5) -> bool:
    try:
        while True:
            message = json.loads(socket.receive_text(timeout=wait))
            if message.get("type") != "presence":
                return False
    except queue.Empty:
        return True


async def test_replay_returns_exactly_the_missed_events_then_live(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Anna")
    for text in ("eins", "zwei", "drei"):
        await as_guest(coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": text})
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live?after=3", headers=bearer(guest["token"])
    ) as socket:
        replayed = [receive_json(socket) for _ in range(2)]
        assert [event["seq"] for event in replayed] == [4, 5]
        assert [event["data"]["idea"]["text"] for event in replayed] == ["zwei", "drei"]
        assert nothing_more(socket)
        posted = await as_guest(
            coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "vier"}
        )
        assert posted.status_code == 201
        live = receive_json(socket)
        assert live["seq"] == 6 and live["type"] == "idea_posted" and live["data"]["idea"]["text"] == "vier"


async def test_handshake_checks_origin_and_credentials(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    guest = await join(coach_client, workshop.code, "Bernd")
    url = f"/api/workshops/{workshop.id}/live?after=1"
    with (
        pytest.raises(WebSocketDisconnect),
        await coach_client.websocket_connect(url, headers={"origin": "https://evil.example"}) as socket,
    ):
        socket.receive_text(timeout=2)
    with await coach_client.websocket_connect(url, headers={"origin": "http://testserver.local"}) as socket:
        socket.send_text(json.dumps({"type": "ping"}))
        assert receive_json(socket) == {"type": "pong"}
    coach_client.cookies.clear()
    with pytest.raises(WebSocketDisconnect), await coach_client.websocket_connect(url) as socket:
        socket.receive_text(timeout=2)
    with (
        pytest.raises(WebSocketDisconnect),
        await coach_client.websocket_connect(url, headers={"origin": "http://testserver.local"}) as socket,
    ):
        socket.receive_text(timeout=2)
    with (
        pytest.raises(WebSocketDisconnect),
        await coach_client.websocket_connect(url, headers=bearer("kein-gueltiges-token")) as socket,
    ):
        socket.receive_text(timeout=2)
    with await coach_client.websocket_connect(url, headers=bearer(guest["token"])) as socket:
        socket.send_text(json.dumps({"type": "ping"}))
        assert receive_json(socket) == {"type": "pong"}


async def test_inbound_messages_are_validated_and_authorised(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Clara")
    coach_client.cookies.clear()
    url = f"/api/workshops/{workshop.id}/live?after=2"
    with await coach_client.websocket_connect(url, headers=bearer(guest["token"])) as socket:
        socket.send_text("{kaputt")
        assert receive_json(socket)["type"] == "error"
        socket.send_text(json.dumps({"type": "start_step", "step": 2}))
        denied = receive_json(socket)
        assert denied["type"] == "error" and denied["status"] == 403
        socket.send_text(json.dumps({"type": "post_idea", "text": ""}))
        empty = receive_json(socket)
        assert empty["type"] == "error" and empty["field"] == "text"
        socket.send_text(json.dumps({"type": "post_idea", "text": "Über den Socket", "role": "coach"}))
        assert receive_json(socket)["type"] == "error"
        socket.send_text(json.dumps({"type": "post_idea", "text": "Über den Socket"}))
        first, second = receive_json(socket), receive_json(socket)
        kinds = {first.get("type"), second.get("type")}
        assert kinds == {"ack", "idea_posted"}
    events = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", guest["token"])).json()
    assert [event["type"] for event in events] == ["step_started", "participant_joined", "idea_posted"]


async def test_oversized_message_closes_the_socket(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    guest = await join(coach_client, workshop.code, "Dora")
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live", headers=bearer(guest["token"])
    ) as socket:
        socket.send_text(json.dumps({"type": "post_idea", "text": "x" * 10_000}))
        with pytest.raises(WebSocketDisconnect) as closed:
            drain(socket)
        assert closed.value.code == 1009


async def test_a_flood_of_messages_closes_the_socket_with_1008(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    """Beyond a burst of 20 (then 5 a second) a socket is closed as a policy violation; pings are cheap but
    count too, so a runaway client cannot keep a worker busy."""
    guest = await join(coach_client, workshop.code, "Emil")
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live", headers=bearer(guest["token"])
    ) as socket:
        for _ in range(20):  # the burst is allowed: every ping gets its pong
            socket.send_text(json.dumps({"type": "ping"}))
        pongs = 0
        while pongs < 20:  # (replayed events and presence come in between)
            pongs += receive_json(socket).get("type") == "pong"
        for _ in range(60):  # more than a full burst (it never holds more than 20): closed however slow the machine
            socket.send_text(json.dumps({"type": "ping"}))
        with pytest.raises(WebSocketDisconnect) as closed:
            drain(socket)
        assert closed.value.code == 1008


async def test_failed_commit_broadcasts_nothing(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Emil")
    coach_client.cookies.clear()
    from sqlalchemy.ext.asyncio import AsyncSession

    original = AsyncSession.commit

    async def failing_commit(self: AsyncSession) -> None:
        # the unit of work holds the event it is about to commit (the Idea itself may already be unreferenced)
        if any(vars(obj).get("type") == "idea_posted" for obj in self.identity_map.values()):
            raise RuntimeError("Datenbank weg")
        await original(self)

    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live?after=2", headers=bearer(guest["token"])
    ) as socket:
        monkeypatch.setattr(AsyncSession, "commit", failing_commit)
        response = await as_guest(
            coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "verloren"}
        )
        monkeypatch.setattr(AsyncSession, "commit", original)
        assert response.status_code == 500
        assert nothing_more(socket, wait=0.8)
    events = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", guest["token"])).json()
    assert [event["type"] for event in events] == ["step_started", "participant_joined"]
