"""Revocation reaches open sockets: a revoked API token, a locked account or a changed role closes the sockets
they opened within a second (4410), and a command arriving on such a socket before the close is refused."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer, start
from tests.conftest import csrf_headers
from tests.factories import make_account, sign_in
from tests.html import by_id
from tests.network.conftest import post_form
from werkstatt.live.hub import REVOKED
from werkstatt.network.auth import create_api_token
from werkstatt.network.models import ApiToken, Network, Role
from werkstatt.settings import Settings
from werkstatt.workshops.models import Workshop


def close_code_within(socket: Any, seconds: float) -> tuple[int, float]:
    """Read (presence and the like) until the server closes the socket; the close code and how long it took."""
    began = time.monotonic()
    while True:
        left = seconds - (time.monotonic() - began)
        assert left > 0, "the socket was not closed in time"
        try:
            socket.receive_text(timeout=left)
        except WebSocketDisconnect as closed:
            return closed.code, time.monotonic() - began


def reply_to(socket: Any, command: dict[str, Any]) -> dict[str, Any]:
    socket.send_text(json.dumps(command))
    while True:
        message = json.loads(socket.receive_text(timeout=5))
        if message.get("type") in {"error", "ack"}:
            return dict(message)


async def coach_token(db: AsyncSession, workshop: LiveWorkshop) -> str:
    _row, token = await create_api_token(db, workshop.coach.id, "Test", 30)
    await db.commit()
    return token


def live_url(workshop: LiveWorkshop) -> str:
    return f"/api/workshops/{workshop.id}/live?after=1"


async def is_locked(db: AsyncSession, workshop: LiveWorkshop) -> bool:
    await db.commit()
    return bool(await db.scalar(select(Workshop.locked).where(Workshop.id == UUID(workshop.id))))


async def test_revoking_the_token_closes_its_socket_within_a_second(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    token = await coach_token(db, workshop)
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(token)) as socket:
        revoked = await as_guest(coach_client, "DELETE", "/api/auth/token", token)
        assert revoked.status_code == 204, revoked.text
        code, took = close_code_within(socket, 1.0)
        assert code == REVOKED
        assert took < 1.0
    again = await as_guest(coach_client, "GET", "/api/networks", token)
    assert again.status_code == 401
    twice = await as_guest(coach_client, "DELETE", "/api/auth/token", token)
    assert twice.status_code == 401
    assert twice.json()["detail"]


async def test_revoking_without_a_token_is_refused(client: AsyncTestClient[Any]) -> None:
    response = await client.delete("/api/auth/token")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Bitte mit dem API-Schlüssel")


async def test_a_command_on_a_socket_whose_token_is_gone_is_refused(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    """The close has not arrived yet (the token vanished without news): the command itself is authorised afresh."""
    await start(coach_client, workshop)
    token = await coach_token(db, workshop)
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(token)) as socket:
        await db.execute(delete(ApiToken).where(ApiToken.account_id == workshop.coach.id))
        await db.commit()
        refused = reply_to(socket, {"type": "lock"})
        assert refused == {"type": "error", "status": 401, "detail": "Der Zugang wurde widerrufen."}
        code, _took = close_code_within(socket, 1.0)
        assert code == REVOKED
    assert not await is_locked(db, workshop)


async def _admin_client(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, workshop: LiveWorkshop
) -> dict[str, str]:
    network = await db.get(Network, UUID(workshop.network_id))
    admin = await make_account(db, Role.network_admin, network)
    client.cookies.clear()
    await sign_in(client, db, settings, admin)
    return await csrf_headers(client)


@pytest.mark.parametrize(
    ("path", "form"),
    [("aktiv", {"active": "0"}), ("rolle", {"role": "kernteam"})],
    ids=["account locked", "role changed"],
)
async def test_an_account_change_closes_the_sockets_its_token_opened(
    coach_client: AsyncTestClient[Any],
    workshop: LiveWorkshop,
    db: AsyncSession,
    settings: Settings,
    path: str,
    form: dict[str, str],
) -> None:
    await start(coach_client, workshop)
    token = await coach_token(db, workshop)
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(token)) as socket:
        headers = await _admin_client(coach_client, db, settings, workshop)
        response = await coach_client.post(
            f"/verwaltung/{workshop.network_id}/konten/{workshop.coach.id}/{path}",
            data={**form, "_csrf_token": headers["x-csrftoken"]},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        code, took = close_code_within(socket, 1.0)
        assert code == REVOKED
        assert took < 1.0
    assert not await is_locked(db, workshop)


async def test_a_command_after_the_account_was_locked_is_refused(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    """Locked without news reaching the socket: the token no longer signs anyone in, so `lock` is refused."""
    from werkstatt.network.models import Account

    await start(coach_client, workshop)
    token = await coach_token(db, workshop)
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(token)) as socket:
        account = await db.get(Account, workshop.coach.id)
        assert account is not None
        account.is_active = False
        await db.commit()
        refused = reply_to(socket, {"type": "lock"})
        assert refused["type"] == "error" and refused["status"] == 401
        code, _took = close_code_within(socket, 1.0)
        assert code == REVOKED
    assert not await is_locked(db, workshop)


async def test_revoking_a_token_on_the_profile_page_closes_its_socket(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    """The coach revokes the token in the browser (cookie session); the program's socket closes."""
    await start(coach_client, workshop)
    row, token = await create_api_token(db, workshop.coach.id, "Ratsinfo", 30)
    await db.commit()
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(token)) as socket:
        revoked = await post_form(coach_client, f"/profil/schluessel/{row.id}/widerrufen", {})
        assert revoked.status_code == 303, revoked.text
        code, took = close_code_within(socket, 1.0)
        assert code == REVOKED
        assert took < 1.0


async def test_the_board_explains_the_closes(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    status = by_id((await coach_client.get(f"/w/{workshop.id}")).text, "live-status")
    assert status["data-ended"] == "Ihre Anmeldung ist beendet; hier ist die Seite nicht mehr live. Bitte neu anmelden."
    assert str(status["data-revoked"]).startswith("Ihr Zugang wurde widerrufen oder geändert;")
