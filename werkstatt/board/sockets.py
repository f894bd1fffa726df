"""The board's websocket endpoints: `/w/{id}/live` (htmx board, HTML fragments) and `/api/workshops/{id}/live`
(JSON events). Before accepting: exact Origin allowlist, then the session or bearer token must make the
caller the coach or a participant of this very workshop; the channel follows from the URL's workshop after
that check, never from anything the client sends. Afterwards the handler only relays: database sessions
are opened per inbound command and closed at once."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import WebSocket, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, FromQuery
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from werkstatt import metrics
from werkstatt.board import service as board
from werkstatt.board.commands import run_command
from werkstatt.board.fragments import render_resync
from werkstatt.board.push import changes_whole_board
from werkstatt.errors import DomainError, german_message
from werkstatt.i18n import _, translate
from werkstatt.live.events import event_dict, events_after
from werkstatt.live.hub import REVOKED, Connection, Hub
from werkstatt.live.visibility import COACH, PARTICIPANT, PROJECTOR, Viewer
from werkstatt.network.service import group_names
from werkstatt.security import origin_allowed
from werkstatt.sessions import API_TOKEN_PREFIX, hash_token, load_api_account, session_alive
from werkstatt.settings import Settings
from werkstatt.uow import unit_of_work
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.schemas import IdeaIn
from werkstatt.workshops.service import Actor, resolve_actor

REPLAY_LIMIT = 500
MAX_MESSAGE = 4096
RATE_PER_SECOND = 5.0
RATE_BURST = 20.0
POLICY_VIOLATION = 1008
TOO_BIG = 1009


def bearer_token(socket: WebSocket[Any, Any, Any]) -> str | None:
    header = socket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


@dataclass(frozen=True)
class Room:
    """What a socket's handling needs from the app, injected into the endpoint (never looked up in app.state)."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    hub: Hub


async def _admit(
    socket: WebSocket[Any, Any, Any], room: Room, workshop_id: UUID
) -> tuple[Actor, dict[str, str]] | None:
    """The actor, and for the coach the names of the network's target groups (the presence chips)."""
    bearer = bearer_token(socket)
    if not origin_allowed(socket.scope, room.settings, has_bearer=bearer is not None):
        return None
    state = socket.scope.get("state", {})
    async with unit_of_work(room.sessions) as uow:
        db = uow.session
        try:
            actor = await resolve_actor(
                db, workshop_id, account=state.get("account"), session=state.get("web_session"), bearer=bearer
            )
        except DomainError:
            return None
        names = await group_names(db, actor.workshop.network_id) if may_moderate(actor) else {}
        return actor, names  # committed with the coach's participant row, if it was just made


async def _serve(
    socket: WebSocket[Any, Any, Any], room: Room, workshop_id: UUID, fmt: str, after: int, role: str | None
) -> None:
    opened = await _open(socket, room, workshop_id, fmt, after, role)
    if opened is None:
        await socket.close(code=POLICY_VIOLATION, reason="not allowed")
        return
    connection, group_names = opened
    hub = room.hub
    await hub.join(connection, group_names)
    try:
        await _replay(room, connection, workshop_id, after)
        await _read(socket, room, connection, workshop_id)
    finally:
        await hub.leave(connection)
        connection.close(connection.closing or 1000)
        await connection.finish()


async def _open(
    socket: WebSocket[Any, Any, Any], room: Room, workshop_id: UUID, fmt: str, after: int, role: str | None
) -> tuple[Connection, dict[str, str]] | None:
    """Admit and accept. The actor (ORM rows) is not kept for the socket's life: only what the socket needs."""
    admitted = await _admit(socket, room, workshop_id)
    if admitted is None:
        return None
    actor, group_names = admitted
    await socket.accept()
    viewer_role = COACH if may_moderate(actor) else PARTICIPANT
    if role == PROJECTOR and may_moderate(actor):
        viewer_role = PROJECTOR
    viewer = Viewer(
        workshop_id=str(workshop_id),
        role=viewer_role,
        participant_id=str(actor.participant_id) if actor.participant_id and viewer_role != PROJECTOR else None,
        locale=str(socket.scope.get("state", {}).get("locale", "de")),
        format=fmt,
    )
    connection = Connection(
        socket=socket,
        viewer=viewer,
        target_group=actor.participant.target_group if actor.participant else None,
        last_seq=max(after, 0),
        session_hash=_cookie_session_hash(socket),
        token_hash=_api_token_hash(socket),
        account_id=str(account.id) if (account := socket.scope.get("state", {}).get("account")) else None,
        resync=render_resync,
    )
    return connection, group_names


async def _replay(room: Room, connection: Connection, workshop_id: UUID, after: int) -> None:
    """Exactly the events after `after`, or a fresh board when the gap is too large."""
    hub = room.hub
    async with room.sessions() as db:
        from werkstatt.workshops.service import get_workshop

        workshop = await get_workshop(db, workshop_id)
        last = workshop.last_seq
        missed = await events_after(db, workshop_id, after, limit=REPLAY_LIMIT + 1) if 0 <= after < last else []
    role = connection.viewer.role
    whole = connection.viewer.format == "html" and any(changes_whole_board(event_dict(e), role) for e in missed)
    if after < 0 or after > last or len(missed) > REPLAY_LIMIT or whole:
        # A fresh board; for a browser also when it missed a step change: one fetch, not one per board missed.
        if after >= 0:  # a first connection (after=-1) asks for the board by itself
            metrics.resynced("replay")
        connection.last_seq = last
        connection.offer(render_resync(connection.viewer), None)
        hub.release(connection, last)
        return
    for event in missed:
        # None: an event this viewer may not see at all; skipped exactly as when it was live
        connection.offer(hub.render(event_dict(event), connection.viewer), event.seq)
    hub.release(connection, last)


async def _read(socket: WebSocket[Any, Any, Any], room: Room, connection: Connection, workshop_id: UUID) -> None:
    allowance, stamp = RATE_BURST, time.monotonic()
    while connection.closing is None:
        try:
            text = await socket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        now = time.monotonic()
        allowance = min(RATE_BURST, allowance + (now - stamp) * RATE_PER_SECOND)
        stamp = now
        if allowance < 1:
            connection.close(POLICY_VIOLATION)
            return
        allowance -= 1
        if len(text) > MAX_MESSAGE:
            connection.close(TOO_BIG)
            return
        reply = await _handle(socket, room, connection, workshop_id, text)
        if reply is not None:
            connection.offer(_frame(reply, connection.viewer.locale), None)


def _frame(reply: dict[str, Any], locale: str) -> str:
    """A reply to this socket, its messages in the connection's language."""
    return json.dumps({key: translate(locale, value) for key, value in reply.items()}, ensure_ascii=False)


async def _handle(
    socket: WebSocket[Any, Any, Any], room: Room, connection: Connection, workshop_id: UUID, text: str
) -> dict[str, Any] | None:
    """One inbound message: validated, then authorised afresh (a removed participant can do nothing)."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes (a 4 KB "[[[…")
        return {"type": "error", "detail": _("Nachricht ist kein gültiges JSON.")}
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return {"type": "error", "detail": _("Nachricht braucht ein Feld type.")}
    kind = message["type"]
    if kind == "ping":
        return {"type": "pong"}
    if connection.viewer.role == PROJECTOR:
        return {"type": "error", "detail": _("Die Beamer-Ansicht ist nur zum Lesen.")}
    state = socket.scope.get("state", {})
    try:
        async with unit_of_work(room.sessions) as uow:
            db = uow.session
            if connection.session_hash and not await session_alive(db, connection.session_hash):
                connection.close(4401)
                return {"type": "error", "status": 401, "detail": _("Die Sitzung ist beendet.")}
            account = state.get("account")
            if connection.token_hash:
                # The account as of now: a revoked token or a locked account fails here, not only on reconnect.
                account = await load_api_account(db, bearer_token(socket) or "")
                if account is None:  # the refusal goes out first, then the close
                    refusal = {"type": "error", "status": 401, "detail": _("Der Zugang wurde widerrufen.")}
                    connection.offer(_frame(refusal, connection.viewer.locale), None)
                    connection.close(REVOKED)
                    return None
            actor = await resolve_actor(
                db,
                workshop_id,
                account=account,
                session=state.get("web_session"),
                bearer=bearer_token(socket),
            )
            if kind == "post_idea":
                fields = {key: value for key, value in message.items() if key != "type"}
                data = IdeaIn.model_validate(fields)
                _idea, event = await board.post_idea(db, actor, data.text, data.focus_topic_id)
            else:
                event = await run_command(db, actor, message)
    except ValidationError as error:
        first = error.errors()[0]
        return {"type": "error", "field": ".".join(map(str, first["loc"])), "detail": german_message(first)}
    except DomainError as error:
        if error.status_code == 404:
            connection.close(4404)
        frame = {"type": "error", "status": error.status_code, "detail": error.detail}
        return frame if error.retry_after is None else {**frame, "retry_after": error.retry_after}
    return {"type": "ack", "seq": event.seq}  # the unit of work committed and published it


def _cookie_session_hash(socket: WebSocket[Any, Any, Any]) -> str | None:
    """The browser session behind a socket that a cookie (not a bearer token) admitted."""
    if bearer_token(socket) is not None:
        return None
    state = socket.scope.get("state", {}).get("web_session")
    return str(state.token_hash) if state is not None else None


def _api_token_hash(socket: WebSocket[Any, Any, Any]) -> str | None:
    """The account API token behind a socket (guest tokens name a participant and are left to its removal)."""
    bearer = bearer_token(socket)
    return hash_token(bearer) if bearer is not None and bearer.startswith(API_TOKEN_PREFIX) else None


def _after(value: int | None) -> int:
    return value if value is not None else 0


@websocket("/w/{workshop_id:uuid}/live", name="board_live")
async def board_live(
    socket: WebSocket[Any, Any, Any],
    settings: NamedDependency[Settings],
    sessionmaker: NamedDependency[async_sessionmaker[AsyncSession]],
    hub: NamedDependency[Hub],
    workshop_id: FromPath[UUID],
    after: FromQuery[int | None] = None,
    view: FromQuery[str | None] = None,
) -> None:
    await _serve(socket, Room(settings, sessionmaker, hub), workshop_id, "html", _after(after), view)


@websocket("/api/workshops/{workshop_id:uuid}/live", name="api_live")
async def api_live(
    socket: WebSocket[Any, Any, Any],
    settings: NamedDependency[Settings],
    sessionmaker: NamedDependency[async_sessionmaker[AsyncSession]],
    hub: NamedDependency[Hub],
    workshop_id: FromPath[UUID],
    after: FromQuery[int | None] = None,
) -> None:
    await _serve(socket, Room(settings, sessionmaker, hub), workshop_id, "json", _after(after), None)
