"""Revocation reaches open sockets: a revoked API token, a locked account or a changed role closes the sockets
they opened within a second (4410), and a command arriving on such a socket before the close is refused."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

import httpx
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


@pytest.mark.parametrize("change", ["entfernen", "konto"], ids=["member removed", "account unlinked"])
async def test_leaving_the_kernteam_closes_the_accounts_sockets_and_a_reconnect_is_checked_anew(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings, change: str
) -> None:
    """A Kernteam account sits in its town's workshop (joined by code while signed in). Removing its Kernteam
    membership, or unlinking the account, closes that account's socket within a second (4410); a guest's socket
    in the same room stays open; the reconnect is admitted with the new rights (joining by code needs no
    Kernteam membership), now without the town."""
    from werkstatt.network.models import KernteamMember

    await start(coach_client, workshop)
    coach_cookies = httpx.Cookies(coach_client.cookies)
    network = await db.get(Network, UUID(workshop.network_id))
    member_account = await make_account(db, Role.kernteam, network)
    member = KernteamMember(town_id=UUID(workshop.town_id), display_name="Kerstin Kern", account_id=member_account.id)
    db.add(member)
    await db.commit()
    coach_client.cookies.clear()
    await sign_in(coach_client, db, settings, member_account)
    member_cookies = httpx.Cookies(coach_client.cookies)
    joined = await coach_client.post(
        "/api/join",
        json={"code": workshop.code, "display_name": "Kerstin"},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert joined.status_code == 201, joined.text
    member_token = joined.json()["token"]
    guest = await as_guest(coach_client, "POST", "/api/join", None, json={"code": workshop.code, "display_name": "G"})
    guest_token = guest.json()["token"]
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(member_token)) as member_socket:
        member_socket.send_text(json.dumps({"type": "ping"}))
        assert wait_for_type(member_socket, "pong") == {"type": "pong"}
        coach_client.cookies = httpx.Cookies()
        with await coach_client.websocket_connect(live_url(workshop), headers=bearer(guest_token)) as guest_socket:
            coach_client.cookies = coach_cookies
            form = {"account_id": ""} if change == "konto" else {}
            response = await post_form(coach_client, f"/staedte/{workshop.town_id}/kernteam/{member.id}/{change}", form)
            assert response.status_code == 303, response.text
            code, took = close_code_within(member_socket, 1.0)
            assert code == REVOKED
            assert took < 1.0
            guest_socket.send_text(json.dumps({"type": "ping"}))
            assert wait_for_type(guest_socket, "pong") == {"type": "pong"}
    coach_client.cookies = member_cookies
    state = await coach_client.get("/profil")
    assert state.status_code == 200  # still signed in: only the Kernteam membership went
    with await coach_client.websocket_connect(live_url(workshop), headers=bearer(member_token)) as again:
        again.send_text(json.dumps({"type": "ping"}))
        assert wait_for_type(again, "pong") == {"type": "pong"}
    await db.commit()
    assert await db.scalar(select(KernteamMember.id).where(KernteamMember.account_id == member_account.id)) is None


def wait_for_type(socket: Any, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(socket.receive_text(timeout=5))
        if message.get("type") == kind:
            return dict(message)
